"""Engagement models: money (see __init__)."""
