"""The fault suite (`make faults`): each fault provoked through every front end, one table of what clients saw."""
