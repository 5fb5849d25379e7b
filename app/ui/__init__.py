"""The desktop terminal: PySide6 widgets and pyqtgraph charts over the engine's façade and bus."""
