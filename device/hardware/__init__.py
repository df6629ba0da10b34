"""The hardware edges with no domain folder of their own: the button and the status LED."""
