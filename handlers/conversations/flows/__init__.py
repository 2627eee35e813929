"""Every conversation flow, by name."""
from __future__ import annotations

from ..engine import Flow
from . import case_flows, plan, visit

FLOWS: dict[str, Flow] = {flow.name: flow
                          for module in (visit, plan, case_flows) for flow in module.FLOWS}
