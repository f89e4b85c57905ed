"""The permission matrix: who may use each page and API endpoint, in one table.

Every URL the app serves (`django.urls.get_resolver()`, without the admin and static files) has one
row per HTTP method it answers; each row says, for every role, what the request must get. The test
(tests/test_permission_matrix.py) sends each request and fails on any cell that differs, on any
served URL name or method without a row, and on any row whose URL name or method is gone.

Cells (one token each):
  ok     the permission check passed: 2xx, a redirect that is not to the login page, or a refusal
         of the input or of the record's state (400, 409, 412, 428). Writes send a minimal body
         (often empty), so a 400 with field errors proves the request got past the permission
         check. Where a view validates the body before it checks the permission, the test sends a
         valid body instead (BODIES in the test), so "ok" never hides a missing check.
  403    refused: 403 Forbidden (signed in, but this role may not do this).
  404    hidden: 404 Not Found (the record is outside the user's boards, or not theirs, or hidden
         by the blind-opinion rule), so its existence is not revealed.
  login  anonymous on a page: 302 to the login page.
A row with a single cell gives it to every role.
  anon   anonymous on the API: 401 or 403.
A 5xx is never expected: it fails whatever the cell says.

Roles (columns, in this order):
  coord  the board's coordinator          chair  the board's chair (a medical oncologist)
  spine  spine surgery        radon  radiation oncology       medon  medical oncology
  pain   pain medicine        rehab  rehabilitation           (each a specialist member)
  pat    a patient, whose case is on the board      out   a specialist of another board
  str    signed in, no role                          anon  not signed in
  priv   the privacy officer: the read log only (no clinical page; home sends them to the log)

The records the requests address (built once per run by the test):
  - the upcoming meeting (planned) with "the case" (the patient's) on its agenda; every member is
    invited; the spine surgeon has given an opinion on it (boards blind opinions, so the other
    specialists may not read it yet) and its pre-meeting summary is prepared;
    invitation-respond answers the spine surgeon's invitation;
  - a started meeting with a second case (a draft plan with one activity) at position 1:
    meeting-run-*, api:meeting-board, api:decision-open, plans, decisions and activities;
  - a signed plan of a third case of the patient, with a released summary (the patient's own, with
    an access link) and a draft one: amendments, patient-summary pages and API (release acts on
    the draft; links, my-summary-* and the link page on the released one); its follow-ups,
    scheduled from a treatment 30 days ago (follow-up pages and API, the patient's check-in);
  - the board's standing schedule, and the coordinator's calendar-feed token.

Rules the table encodes (from the views, selectors and services):
  - cases, patients, meetings, agendas: clinical staff of the board read and write; another
    board's staff get 404; patients and users without a role 403.
  - meeting planning (create, agenda, invitations, attendance, schedules, cancel, close), board
    settings changes, the board management page (reading it too) and its members, summary
    preparation, attendance in meeting mode, plan amendments: the board's coordinator and chair
    only (its other members 403).
  - opinions: only specialists write, and only their own (coordinator 403, others' 403); the blind
    rule hides an opinion and its case's summary from a specialist who has not given theirs.
  - meeting mode: every board member works on the record and plan; only the chair signs.
  - follow-through: an activity's status is recorded by its owner (the draft plan's activity is
    radiation oncology's) and the board's coordinator and chair; a signed plan's case is sent
    back to the board by the owner of one of its activities (the signed plan's are radiation
    oncology's, medical oncology's and radiology's) and the coordinator and chair.
  - the board's results (page, CSV, API): coordinators and chairs of some board; everyone else 403
    (a board named in the query that is not theirs: 404, tested in recommendations/tests/dashboard).
  - patient summaries: staff of the board draft and edit; only a clinician (chair, specialist)
    releases; a patient reads only their own released summaries; the link page and the calendar
    feed are public and checked by their secret token.
  - follow-ups: every member of the case's board reads and records them (other boards 404); only
    the patient answers "How are you doing?", for their own follow-ups (staff 403).
"""

from __future__ import annotations

import enum


class Expect(enum.Enum):
    OK = "ok"
    DENY_403 = "403"
    DENY_404 = "404"
    LOGIN = "login"
    ANON = "anon"


ROLES = (
    "coordinator",
    "chair",
    "spine_surgery",
    "radiation_oncology",
    "medical_oncology",
    "pain_medicine",
    "rehabilitation",
    "patient",
    "outsider",
    "stranger",
    "privacy_officer",
    "anonymous",
)

# fmt: off
TABLE = """
# url name                      method coord chair spine radon medon pain rehab pat  out  str  priv anon
healthz                         GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
readyz                          GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
schema                          GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   403
api-docs                        GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   403

# --- pages: sign-in, home ----------------------------------------------------------------------
home                            GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   403  ok   login
login                           GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
login                           POST   ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
login                           PUT    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
logout                          POST   login  # every role: signing out leads to the login page

# --- pages: account security (password change and reset, two-factor sign-in) -------------------
password-change                 GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   login
password-change                 POST   ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   login
password-change                 PUT    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   login
password-reset                  GET    ok  # public: one answer, known address or not
password-reset                  POST   ok
password-reset                  PUT    ok
password-reset-done             GET    ok
password-reset-confirm          GET    ok  # public, by its token (here a wrong one)
password-reset-confirm          POST   ok
password-reset-confirm          PUT    ok
password-reset-complete         GET    ok
two-factor                      GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  ok   login
two-factor                      POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  ok   login
two-factor-setup                GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  ok   login
two-factor-setup                POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  ok   login

# --- pages: cases ------------------------------------------------------------------------------
case-list                       GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
case-search                     POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
case-create                     GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
case-create                     POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
case-detail                     GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-edit                       GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-edit                       POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-transition                 POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-add                 GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-add                 POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-edit                GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-edit                POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-remove              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-lesion-remove              POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-add        GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-add        POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-edit       GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-edit       POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-remove     GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-prior-treatment-remove     POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-add             POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-viewer          GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-file            GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-thumbnail       GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-preview         GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-remove          GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-attachment-remove          POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-patient-invite             POST   ok    403   403   403   403   403  403   403  404  403  403  login
case-patient-link               POST   ok    403   403   403   403   403  403   403  404  403  403  login
patient-page                    GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
case-follow-ups                 GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
follow-up-record                POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login

# --- pages: boards, meetings, agendas, invitations, calendars -----------------------------------
board-settings                  GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
board-settings                  POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-manage                    GET    ok    ok    403   403   403   403  403   403  404  403  403  login
board-manage                    POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-member-search             POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-member-add                POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-member-role               POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-member-remove             POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-schedule-add              POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-schedule-edit             POST   ok    ok    403   403   403   403  403   403  404  403  403  login
board-schedule-remove           POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-list                    GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
meeting-create                  POST   ok    ok    403   403   403   403  403   403  403  403  403  login
meeting-create-urgent           POST   ok    ok    403   403   403   403  403   403  403  403  403  login
schedule-create                 POST   ok    ok    403   403   403   403  403   403  403  403  403  login
schedule-generate               POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-detail                  GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-ics                     GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
agenda-add                      POST   ok    ok    403   403   403   403  403   403  404  403  403  login
agenda-remove                   POST   ok    ok    403   403   403   403  403   403  404  403  403  login
agenda-move                     POST   ok    ok    403   403   403   403  403   403  404  403  403  login
agenda-minutes                  POST   ok    ok    403   403   403   403  403   403  404  403  403  login
agenda-defer                    POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-overbooking             POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-circulate               POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-invite                  POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-attendance-record       POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-attendance-take         POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-start                   POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-reschedule              POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-cancel                  POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-close                   GET    ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-close                   POST   ok    ok    403   403   403   403  403   403  404  403  403  login
readiness-board                 GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
readiness-column                GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
my-invitations                  GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
invitation-respond              POST   404   404   ok    404   404   404  404   403  404  403  403  login
my-calendar                     GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
my-calendar                     POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
calendar-feed                   GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok

# --- pages: opinions, pre-meeting summaries ----------------------------------------------------
my-cases                        GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  login
opinion-form                    GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
opinion-form                    POST   403   ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-preparation             GET    ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-prepare                 POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-preparation-retry       POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-packet                  GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-packet-pdf              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-summary                 GET    ok    ok    ok    403   403   403  403   403  404  403  403  login

# --- pages: meeting mode, plans ----------------------------------------------------------------
meeting-run                     GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-run-attendance          POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-run-attendance-all      POST   ok    ok    403   403   403   403  403   403  404  403  403  login
meeting-run-open                POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-run-record              POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-run-plan                POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-run-dissent             POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
meeting-run-sign                POST   403   ok    403   403   403   403  403   403  404  403  403  login
plan-page                       GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
plan-activity-status            POST   ok    ok    403   ok    403   403  403   403  404  403  403  login
plan-amend                      POST   ok    ok    403   403   403   403  403   403  404  403  403  login
plan-send-back                  POST   ok    ok    403   ok    ok    403  403   403  404  403  403  login

# --- pages: the board's results (coordinators and chairs; no board of theirs: 403) ------------
results                         GET    ok    ok    403   403   403   403  403   403  403  403  403  login
results-csv                     GET    ok    ok    403   403   403   403  403   403  403  403  403  login

# --- pages: the patient's summary --------------------------------------------------------------
my-summaries                    GET    403   403   403   403   403   403  403   ok   403  403  403  login
my-summary-detail               GET    404   404   404   404   404   404  404   ok   404  404  404  login
my-summary-pdf                  GET    404   404   404   404   404   404  404   ok   404  404  404  login
my-follow-ups                   GET    403   403   403   403   403   403  403   ok   403  403  403  login
my-follow-up-report             GET    403   403   403   403   403   403  403   ok   403  403  403  login
my-follow-up-report             POST   403   403   403   403   403   403  403   ok   403  403  403  login
patient-summary-link-open       GET    ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
patient-summary-link-open       POST   ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
patient-invitation-accept       GET    404  # public, by its token (here a summary link's)
patient-invitation-accept       POST   404
plan-patient-summary            GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
patient-summary-draft           POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
patient-summary-edit            POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login
patient-summary-release         POST   403   ok    ok    ok    ok    ok   ok    403  404  403  403  login
patient-summary-link            POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  login

# --- API: sign-in, patients, cases -------------------------------------------------------------
api:token                       POST   ok    ok    ok    ok    ok    ok   ok    ok   ok   ok   ok   ok
api:patient-list                GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:patient-list                POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:patient-search              POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:patient-detail              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-detail              PUT    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-detail              PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-list                   GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:case-list                   POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:case-search                 POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:case-detail                 GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-detail                 PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-follow-ups             GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:follow-up-detail            GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:follow-up-detail            PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-follow-ups             POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-transition             POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-patient-invitations    POST   ok    403   403   403   403   403  403   403  404  403  403  anon
api:case-patient-account        POST   ok    403   403   403   403   403  403   403  404  403  403  anon
api:case-lesions                POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-lesion-detail          PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-lesion-detail          DELETE ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-prior-treatments       POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-prior-treatment-detail PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-prior-treatment-detail DELETE ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-attachments            GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-attachments            POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-attachment-detail      GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-attachment-detail      DELETE ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-history                GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:case-assessment             GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon

# --- API: boards, schedules, meetings, agendas, invitations, attendance, calendars --------------
api:board-list                  GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:board-settings              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:board-settings              PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-detail                GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:board-detail                PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-members               GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:board-members               POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-member                PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-member                DELETE ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-staff-search          POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:board-schedulable-cases     POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:board-schedules             GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:board-schedules             POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:schedule-generate           POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:schedule-detail             GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:schedule-detail             PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:schedule-detail             DELETE ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-list                GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:meeting-list                POST   ok    ok    403   403   403   403  403   403  ok   403  403  anon
api:meeting-detail              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:meeting-detail              PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-cancel              POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-close               POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-start               POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-circulate           POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-allow-overbooking   POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:agenda-add                  POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:agenda-order                PUT    ok    ok    403   403   403   403  403   403  404  403  403  anon
api:agenda-item                 PATCH  ok    ok    403   403   403   403  403   403  404  403  403  anon
api:agenda-item                 DELETE ok    ok    403   403   403   403  403   403  404  403  403  anon
api:case-defer                  POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-invitations         GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:meeting-invitations         POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:invitation-respond          POST   403   403   ok    403   403   403  403   403  404  403  403  anon
api:my-invitations              GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:meeting-attendance          GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:meeting-attendance          PUT    ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-attendance          POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-calendar            GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:my-calendar-feed            GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:my-calendar-feed            POST   ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:readiness-board             GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:readiness-column            GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon

# --- API: opinions, pre-meeting summaries ------------------------------------------------------
api:opinion-list                GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:opinion-list                POST   403   ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:opinion-detail              GET    ok    ok    ok    404   404   404  404   403  404  403  403  anon
api:opinion-detail              PATCH  403   403   ok    404   404   404  404   403  404  403  403  anon
api:opinion-history             GET    ok    ok    ok    404   404   404  404   403  404  403  403  anon
api:opinion-options             GET    ok    ok    ok    ok    ok    ok   ok    403  ok   403  403  anon
api:meeting-prepare             POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-preparation         GET    ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-preparation-retry   POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:meeting-packet              GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:meeting-summary             GET    ok    ok    ok    403   403   403  403   403  404  403  403  anon

# --- API: meeting mode, decision records, plans, activities ------------------------------------
api:meeting-board               GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:decision-open               POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:decision-detail             GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:decision-detail             PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-detail                 GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-detail                 PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-activities             POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-dissents               POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-sign                   POST   403   ok    403   403   403   403  403   403  404  403  403  anon
api:plan-amendments             POST   ok    ok    403   403   403   403  403   403  404  403  403  anon
api:plan-send-back              POST   ok    ok    403   ok    ok    403  403   403  404  403  403  anon
api:plan-history                GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:activity-detail             PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:activity-detail             DELETE ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:activity-status             POST   ok    ok    403   ok    403   403  403   403  404  403  403  anon

# --- API: the board's results ----------------------------------------------------------------
api:results                     GET    ok    ok    403   403   403   403  403   403  403  403  403  anon

# --- API: the patient's summary ----------------------------------------------------------------
api:my-summary-list             GET    403   403   403   403   403   403  403   ok   403  403  403  anon
api:my-summary-detail           GET    403   403   403   403   403   403  403   ok   403  403  403  anon
api:plan-patient-summaries      GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:plan-patient-summaries      POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-summary-detail      GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-summary-detail      PATCH  ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-summary-history     GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-summary-release     POST   403   ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:patient-summary-links       POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon

# --- API: FHIR exchange (export scoped like the case or meeting; import: coordinators, chairs) ----
api:case-fhir                   GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:meeting-fhir-exports        POST   ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:fhir-meeting-export         GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:fhir-meeting-export-bundle  GET    ok    ok    ok    ok    ok    ok   ok    403  404  403  403  anon
api:fhir-referrals              POST   ok    ok    403   403   403   403  403   403  403  403  403  anon
# --- the read log: the privacy officer's only ---------------------------------------------------
read-log                        GET    403   403   403   403   403   403  403   403  403  403  ok   login
read-log-csv                    GET    403   403   403   403   403   403  403   403  403  403  ok   login
api:read-log                    GET    403   403   403   403   403   403  403   403  403  403  ok   anon
"""
# fmt: on


def _parse(table: str) -> dict[tuple[str, str], dict[str, Expect]]:
    matrix: dict[tuple[str, str], dict[str, Expect]] = {}
    for number, line in enumerate(table.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, method, *cells = line.split()
        if len(cells) == 1:
            cells = cells * len(ROLES)
        if len(cells) != len(ROLES):
            raise ValueError(f"permission matrix line {number}: {len(cells)} cells: {line!r}")
        if (name, method) in matrix:
            raise ValueError(f"permission matrix line {number}: {name} {method} twice")
        matrix[(name, method)] = {
            role: Expect(cell) for role, cell in zip(ROLES, cells, strict=True)
        }
    return matrix


# (url name, HTTP method) -> {role: expected outcome}
MATRIX: dict[tuple[str, str], dict[str, Expect]] = _parse(TABLE)
