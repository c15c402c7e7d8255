"""Health and metrics: /livez, /readyz (every service's database), /metrics in Prometheus text."""

from __future__ import annotations

from sqlalchemy import create_engine

from gateway.metrics import Metrics


async def test_livez_answers_200(gateway_client) -> None:
    response = await gateway_client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_reports_every_service(gateway_client) -> None:
    response = await gateway_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "services": {"demo-service": "ok"}}


async def test_readyz_answers_503_when_a_service_database_is_unreachable(gateway_client, tmp_path) -> None:
    db = gateway_client.gateway.state.services["demo-service"].app.state.db
    engine = db.engine
    db.engine = create_engine(f"sqlite:///{tmp_path}/no/such/dir/demo.db")
    try:
        response = await gateway_client.get("/readyz")
    finally:
        db.engine.dispose()
        db.engine = engine
    assert response.status_code == 503
    assert response.json()["services"] == {"demo-service": "unavailable"}
    assert (await gateway_client.get("/readyz")).status_code == 200


async def test_metrics_count_requests_by_service_and_status(gateway_client) -> None:
    await gateway_client.get("/demo-service/notes/marker")
    await gateway_client.get("/demo-service/notes/marker")
    await gateway_client.get("/demo-service/notes/missing")
    await gateway_client.get("/nowhere")

    response = await gateway_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'sandbox_requests_total{service="demo-service",status="200"} 2.0' in text
    assert 'sandbox_requests_total{service="demo-service",status="404"} 1.0' in text
    assert 'sandbox_requests_total{service="gateway",status="404"} 1.0' in text
    assert 'sandbox_request_duration_seconds_count{service="demo-service"} 3.0' in text
    assert 'sandbox_request_duration_seconds_bucket{le="0.005",service="demo-service"}' in text


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe("a", 200, 0.01)
    assert b'service="a"' in first.render()
    assert b'service="a"' not in second.render()
