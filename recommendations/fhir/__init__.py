"""HL7 FHIR R4 exchange: a case and its signed plan as a Bundle, a meeting's signed plans as one
Bundle (built by Celery), and referrals imported from a Bundle. Mapping: docs/fhir.md."""
