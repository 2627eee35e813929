"""Every conversation flow, by name."""
from __future__ import annotations

from ..engine import Flow
from . import assistance, case_flows, household_status, plan, plan_edit, visit

FLOWS: dict[str, Flow] = {flow.name: flow
                          for module in (visit, plan, case_flows, assistance, plan_edit,
                                         household_status)
                          for flow in module.FLOWS}
