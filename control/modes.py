"""The operator-set machine modes: auto/manual, the HMI flag, and auxiliary output requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from control.states import MOTION_STATES
from machine_config.config import OutputConfig


class Modes:
    """Owns `mode`, `hmi_enabled` and the aux outputs' requested and driven levels. Only the
    control thread changes them, through the methods below; others read `mode` and
    `hmi_enabled` as plain attributes (as they read a Zone's or the Sequencer's), which the tick
    does several times over: a property would cost a call each time."""

    def __init__(self, aux_ids: Iterable[str]) -> None:
        self.mode = "auto"  # changed through set_mode
        self.hmi_enabled = True  # changed through set_hmi_enabled
        self._aux_requested = dict.fromkeys(aux_ids, False)
        self._aux_on = dict.fromkeys(self._aux_requested, False)

    @property
    def aux_on(self) -> Mapping[str, bool]:
        """The level each aux output was last driven to."""
        return self._aux_on

    def has_output(self, output_id: str) -> bool:
        return output_id in self._aux_requested

    def requested(self, output_id: str) -> bool:
        return self._aux_requested[output_id]

    def set_mode(self, mode: str) -> None:
        self.mode = mode

    def set_hmi_enabled(self, enabled: bool) -> None:
        self.hmi_enabled = enabled

    def request(self, output_id: str, on: bool) -> None:
        self._aux_requested[output_id] = on

    def drop_requests(self) -> None:
        """Every aux request off (reset, HMI disabled)."""
        self._aux_requested = dict.fromkeys(self._aux_requested, False)

    def levels(self, state: str, aux: Mapping[str, OutputConfig]) -> Mapping[str, bool]:
        """The level of every aux output in `state` (API.md decisions 3 and 4); a trip drops
        the requests of outputs that are not `keep_on_trip`."""
        for oid, ocfg in aux.items():
            if not self.hmi_enabled:
                on = False
            elif state == "fault":
                on = self._aux_on[oid] if ocfg.keep_on_trip else False
            else:
                on = self._aux_requested[oid] or (ocfg.on_while_running and state in MOTION_STATES)
            if state == "fault" and not ocfg.keep_on_trip:
                self._aux_requested[oid] = False
            self._aux_on[oid] = on
        return self._aux_on
