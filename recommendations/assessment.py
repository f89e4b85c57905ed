"""Public entry point for a case's decision-support assessment, kept for integrations and
clinical reviewers: `case_assessment(case)` reads the case's data and its board's settings
(`cases.assessment`) and asks the clinical core (`clinical`) for every score."""

from cases.assessment import CaseAssessment, case_assessment

__all__ = ["CaseAssessment", "case_assessment"]
