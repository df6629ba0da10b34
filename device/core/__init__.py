"""The contracts every part uses (Part, Hub, topics, StateStore, clock, times, back-off, saved shapes, plain values, notify): the bottom layer; imports nothing above it but device.config."""
