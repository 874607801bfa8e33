"""pytest entry point: the torch-katas plugin (src/torchkatas/plugin.py) does the work.

pytester is for tests/, which run small kata repositories inside pytest.
"""

pytest_plugins = ["torchkatas.plugin", "pytester"]
