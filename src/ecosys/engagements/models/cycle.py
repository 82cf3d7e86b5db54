"""Engagement models: cycle (see __init__)."""
