"""Users: the model behind the notes' pluggable-view examples (ShowUsers and UserAPI)."""
