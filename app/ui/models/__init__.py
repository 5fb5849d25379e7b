"""Table models of the window: one per file, each a ``KeyedTableModel`` with its column specs."""
