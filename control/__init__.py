"""The control core: config model, PID, zones, motors, sequencer, safety, alarms, commands, snapshots."""
