"""Custom Rasa input channels (SMS, web widget), registered in credentials.yml."""
