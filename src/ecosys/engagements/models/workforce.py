"""Engagement models: workforce (see __init__)."""
