"""File imports are uploaded, not polled: see apps/listening/imports.py."""


class FileImportConnector:
    kind = "import"

    def validate_config(self, config: dict, credentials: dict) -> dict:
        platform = str(config.get("platform") or "import").strip().lower()[:32]
        return {"platform": platform or "import"}

    def fetch(self, *, config, credentials, cursor, http):
        raise NotImplementedError("imports are uploaded")


connector = FileImportConnector()
