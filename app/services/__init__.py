"""Services the faces (kiosk, REST) and the wiring share: machine, health, logs, events, metrics."""
