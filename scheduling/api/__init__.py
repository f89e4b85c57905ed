"""REST API v1 for boards, schedules, meetings, agendas, invitations, attendance, the readiness
board and calendars; a board's decision-support settings. One module per concept, routed by
scheduling/api_urls.py.

Each view parses input, calls one service or selector, and shapes the output. Access: clinical
staff only (403 for patients, users without a role and anonymous callers); a board, meeting or
case outside the user's boards is a 404; changes to schedules, meetings and agendas, invitations
and attendance are for the board's coordinators and chair (403 for other members, checked here
before the input so the answer does not depend on it, and again by each service); an invitation
is answered by the invitee only.
"""
