"""pytest entry point: the torch-katas plugin (src/torchkatas/plugin.py) does the work."""

pytest_plugins = ["torchkatas.plugin"]
