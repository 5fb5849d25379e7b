"""What every layer may use to run: paths, logging set-up, settings models, secret redaction.

It knows only ``app.core``: the engine, the store, the credentials, the window and the CLI all read
their folders, settings and logging from here.
"""
