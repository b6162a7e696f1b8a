"""Progress: body check-ins and photos, goals and milestones, analytics aggregates, export."""
