def workspace(request):
    """The actor and workspace for templates (navigation differs for external members)."""
    actor = getattr(request, "actor", None)
    return {"actor": actor, "workspace": actor.workspace if actor else None}
