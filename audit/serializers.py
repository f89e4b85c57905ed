from __future__ import annotations

from rest_framework import serializers

from .models import ReadEvent


class ReadEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReadEvent
        fields = [
            "id",
            "at",
            "request_id",
            "user_id",
            "username",
            "roles",
            "what",
            "object_uuid",
            "patient_uuid",
            "view_name",
            "method",
            "status",
            "client_ip",
            "user_agent",
        ]
        read_only_fields = fields
