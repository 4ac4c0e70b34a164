"""The control core: config, PID, zones, motors, sequencer, safety, alarms, commands, snapshots."""
