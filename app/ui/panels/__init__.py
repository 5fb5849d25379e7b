"""The dockable panels of the main window, one per file."""
