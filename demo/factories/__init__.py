"""factory_boy factories, one module per app, shared by the tests and `manage.py load_demo`."""
