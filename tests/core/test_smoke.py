def test_health_answers(client, db):
    response = client.get("/-/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_home_redirects_anonymous_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_orchestrator_dashboard_counts(client_as, workspace):
    response = client_as("orchestrator_staff").get("/")
    assert response.status_code == 200
    assert b"Organisations by ecosystem role" in response.content
