"""An order's life in one package: risk (the gate and the trading state), the OMS (the only caller
of a venue's order methods), its journal, reconciliation and the kill switch.

Nothing here imports bots, execution or capital: those sit above the order path and call it.
"""
