"""Developer tools, never needed on the device: demo, soak, simulation, the loopback stand-ins, the in-memory catalogue."""
