"""Portability: the open exit bundle (export and import) and friendly separation."""
