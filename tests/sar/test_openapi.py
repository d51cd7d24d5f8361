"""The SAR operations appear in the generated OpenAPI document partners build against."""


def test_openapi_lists_the_sar_operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/v1/sars", "/api/v1/sars/{report_id}", "/api/v1/sars/{report_id}/transitions",
            "/api/v1/sars/{report_id}/export", "/api/v1/sars/{report_id}/related"} <= set(paths)
    schemas = spec["components"]["schemas"]
    assert "INTRSN" in str(schemas["ReportIn"]) and "initial_review" in str(schemas["TransitionIn"])
