"""Every answer under /api/ is JSON in one error shape; never HTML, never a 500."""

from tests.api.conftest import assert_error


def test_unknown_api_path_is_json_404(anon, api):
    for client in (anon, api):
        assert_error(client.get("/api/nope/"), 404, "not_found")
        assert_error(client.post("/api/nope", {}), 404, "not_found")


def test_wrong_method_is_json_405(api):
    response = api.put("/api/cart/", {})
    error = assert_error(response, 405, "method_not_allowed")
    assert "PUT" in error["message"]
    assert response["Allow"] == "GET"
    assert_error(api.get("/api/auth/token/"), 405, "method_not_allowed")


def test_server_errors_are_json_500(api, monkeypatch):
    from storefront import services

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "cart_totals", boom)
    response = api.get("/api/cart/")
    assert_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_bodies_that_are_not_json_objects(api, client):
    form = api.client.post(
        "/api/cart/promo/",
        {"code": "X"},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert_error(form, 400, "unsupported_content_type")
    assert_error(api.post("/api/cart/promo/", '"X"'), 400, "invalid_json")
    assert_error(
        api.post("/api/cart/promo/", '{"code": "' + "x" * 70_000 + '"}'),
        413,
        "body_too_large",
    )
    # Past Django's own cap (DATA_UPLOAD_MAX_MEMORY_SIZE) too.
    assert_error(
        api.post("/api/cart/promo/", '{"code": "' + "x" * 3_000_000 + '"}'),
        413,
        "body_too_large",
    )
