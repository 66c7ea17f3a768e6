//! Routes and handlers: the paths, query parameters and status codes of the real services.

// The wire models belong to `plinth-cloud` and gain fields as the client grows; every literal of
// them here ends in `..Default::default()` so that a new optional field does not break the
// emulator, even while all current fields are set.
#![allow(clippy::needless_update)]

use plinth_core::registry::{self, AddonApi, ApiFamily};
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use plinth_cloud::model::{AddonList, ClusterList, PluginList, PoolList};
use serde_json::json;

use crate::catalogue::AddonService;
use crate::errors::{ApiError, MODELARTS_PROJECT_MISMATCH};
use crate::server::Shared;

type Params = Query<HashMap<String, String>>;

/// Every route of every emulated service: IAM, and the API family of every type of the registry.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let mut families: Vec<ApiFamily> = registry::TYPES.iter().map(|spec| spec.family).collect();
    families.sort_unstable();
    families.dedup();
    families
        .into_iter()
        .fold(
            Router::new().route("/v3/projects", get(projects)),
            family_routes,
        )
        .fallback(unknown_api)
        .with_state(shared)
}

/// The routes of one API family.
fn family_routes(router: Router<Arc<Shared>>, family: ApiFamily) -> Router<Arc<Shared>> {
    match family {
        ApiFamily::Addons(AddonApi::Cce) => router.nest("/api/v3", addon_routes(AddonService::Cce)),
        ApiFamily::Addons(AddonApi::Autopilot) => {
            router.nest("/autopilot/v3", addon_routes(AddonService::Autopilot))
        }
        ApiFamily::PoolPlugins => router
            .route(
                "/v2/{project_id}/pools/{pool_name}/plugins",
                get(list_plugins).post(create_plugin),
            )
            .route(
                "/v2/{project_id}/pools/{pool_name}/plugins/{template_name}",
                axum::routing::delete(delete_plugin),
            )
            .route("/v2/{project_id}/plugintemplates", get(plugin_templates))
            .route("/v2/{project_id}/pools", get(list_pools)),
    }
}

fn addon_routes(service: AddonService) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/addons",
            get(
                move |State(shared): State<Arc<Shared>>,
                      Query(params): Params,
                      headers: HeaderMap| async move {
                    list_addons(&shared, service, &params, &headers)
                },
            )
            .post(
                move |State(shared): State<Arc<Shared>>, body: Bytes| async move {
                    let result = shared.cloud().install_addon(service, &body);
                    shared.changed_if(result.is_ok());
                    result.map(|addon| (StatusCode::CREATED, Json(addon)))
                },
            ),
        )
        .route(
            "/addons/{id}",
            get(
                move |State(shared): State<Arc<Shared>>,
                      Path(id): Path<String>,
                      Query(params): Params| async move {
                    shared
                        .cloud()
                        .read_addon(service, &id, cluster_param(&params))
                        .map(Json)
                },
            )
            .put(
                move |State(shared): State<Arc<Shared>>,
                      Path(id): Path<String>,
                      Query(params): Params,
                      body: Bytes| async move {
                    let result =
                        shared
                            .cloud()
                            .upgrade_addon(service, &id, cluster_param(&params), &body);
                    shared.changed_if(result.is_ok());
                    result.map(Json)
                },
            )
            .delete(
                move |State(shared): State<Arc<Shared>>,
                      Path(id): Path<String>,
                      Query(params): Params| async move {
                    let result = shared
                        .cloud()
                        .delete_addon(service, &id, cluster_param(&params));
                    shared.changed_if(result.is_ok());
                    result.map(Json)
                },
            ),
        )
        .route(
            "/addons/{id}/operation/rollback",
            axum::routing::post(
                move |State(shared): State<Arc<Shared>>,
                      Path(id): Path<String>,
                      body: Bytes| async move {
                    let result = shared.cloud().rollback_addon(service, &id, &body);
                    shared.changed_if(result.is_ok());
                    result.map(Json)
                },
            ),
        )
        .route(
            "/projects/{project_id}/clusters",
            get(
                move |State(shared): State<Arc<Shared>>,
                      Path(project_id): Path<String>| async move {
                    check_cce_project(&shared, &project_id)?;
                    Ok::<_, ApiError>(Json(ClusterList {
                        kind: "Cluster".to_owned(),
                        api_version: "v3".to_owned(),
                        items: shared.cloud().clusters(service),
                        ..Default::default()
                    }))
                },
            ),
        )
        .route(
            "/projects/{project_id}/clusters/{cluster_id}",
            get(
                move |State(shared): State<Arc<Shared>>,
                      Path((project_id, cluster_id)): Path<(String, String)>| async move {
                    check_cce_project(&shared, &project_id)?;
                    shared.cloud().cluster(service, &cluster_id).map(Json)
                },
            ),
        )
        .route(
            "/addontemplates",
            get(
                move |State(shared): State<Arc<Shared>>, Query(params): Params| async move {
                    let name = params.get("addon_template_name").map(String::as_str);
                    Json(shared.cloud().addon_templates(service, name))
                },
            ),
        )
}

fn cluster_param(params: &HashMap<String, String>) -> Option<&str> {
    params
        .get("cluster_id")
        .map(String::as_str)
        .filter(|id| !id.is_empty())
}

fn list_addons(
    shared: &Shared,
    service: AddonService,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Json<AddonList>, ApiError> {
    let cloud = shared.cloud();
    // CCE add-on calls may name the cluster by the host (`{cluster_id}.cce.{region}...`).
    let from_host = || {
        let host = headers.get(header::HOST)?.to_str().ok()?;
        match service {
            AddonService::Cce => cloud.cluster_of_host(host),
            AddonService::Autopilot => None,
        }
    };
    let cluster_id = cluster_param(params).map(str::to_owned).or_else(from_host);
    let Some(cluster_id) = cluster_id else {
        return Err(ApiError::cce(
            StatusCode::BAD_REQUEST,
            crate::errors::CCE_BAD_REQUEST,
            "the query parameter cluster_id is required",
        ));
    };
    let items = cloud.list_addons(service, &cluster_id)?;
    Ok(Json(AddonList {
        kind: "Addon".to_owned(),
        api_version: "v3".to_owned(),
        items,
        ..Default::default()
    }))
}

fn check_cce_project(shared: &Shared, project_id: &str) -> Result<(), ApiError> {
    if shared.cloud().fixture().project_id == project_id {
        Ok(())
    } else {
        Err(ApiError::cce(
            StatusCode::BAD_REQUEST,
            crate::errors::CCE_BAD_REQUEST,
            format!("the project {project_id} is not the project of the request's credentials"),
        ))
    }
}

/// ModelArts `GET /v2/{project_id}/pools` (`ListPools`).
async fn list_pools(
    State(shared): State<Arc<Shared>>,
    Path(project_id): Path<String>,
) -> Result<Json<PoolList>, ApiError> {
    check_project(&shared, &project_id)?;
    Ok(Json(PoolList {
        api_version: "v2".to_owned(),
        kind: "PoolList".to_owned(),
        items: shared.cloud().pools(),
        ..Default::default()
    }))
}

fn check_project(shared: &Shared, project_id: &str) -> Result<(), ApiError> {
    if shared.cloud().fixture().project_id == project_id {
        Ok(())
    } else {
        Err(ApiError::modelarts(
            StatusCode::FORBIDDEN,
            MODELARTS_PROJECT_MISMATCH,
            format!("The project {project_id} does not exist or does not belong to the caller."),
        ))
    }
}

async fn list_plugins(
    State(shared): State<Arc<Shared>>,
    Path((project_id, pool)): Path<(String, String)>,
) -> Result<Json<PluginList>, ApiError> {
    check_project(&shared, &project_id)?;
    let items = shared.cloud().list_plugins(&pool)?;
    Ok(Json(PluginList {
        kind: "PluginList".to_owned(),
        api_version: "v2".to_owned(),
        items,
        ..Default::default()
    }))
}

async fn create_plugin(
    State(shared): State<Arc<Shared>>,
    Path((project_id, pool)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_project(&shared, &project_id)?;
    let result = shared.cloud().create_plugin(&pool, &body);
    shared.changed_if(result.is_ok());
    Ok(Json(result?).into_response())
}

async fn delete_plugin(
    State(shared): State<Arc<Shared>>,
    Path((project_id, pool, template)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    check_project(&shared, &project_id)?;
    let result = shared.cloud().delete_plugin(&pool, &template);
    shared.changed_if(result.is_ok());
    Ok(Json(result?).into_response())
}

async fn plugin_templates(
    State(shared): State<Arc<Shared>>,
    Path(project_id): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    check_project(&shared, &project_id)?;
    let name = params
        .get("templateName")
        .map(String::as_str)
        .filter(|n| !n.is_empty());
    let pool = params
        .get("poolName")
        .map(String::as_str)
        .filter(|p| !p.is_empty());
    let list = shared.cloud().plugin_templates(name, pool)?;
    Ok(Json(list).into_response())
}

/// IAM `GET /v3/projects?name=`: the fixture's one project, named after its region.
async fn projects(State(shared): State<Arc<Shared>>, Query(params): Params) -> Response {
    let cloud = shared.cloud();
    let fixture = cloud.fixture();
    let wanted = params.get("name").map(String::as_str);
    let projects: Vec<_> = if wanted.is_none_or(|name| name == fixture.region) {
        vec![json!({
            "id": fixture.project_id,
            "name": fixture.region,
            "domain_id": DOMAIN_ID,
            "parent_id": DOMAIN_ID,
            "is_domain": false,
            "enabled": true,
            "description": "",
            "links": {
                "self": format!("https://iam.myhuaweicloud.com/v3/projects/{}", fixture.project_id),
            },
        })]
    } else {
        Vec::new()
    };
    let query = wanted
        .map(|name| format!("?name={name}"))
        .unwrap_or_default();
    Json(json!({
        "projects": projects,
        "links": {
            "self": format!("https://iam.myhuaweicloud.com/v3/projects{query}"),
            "previous": null,
            "next": null,
        },
    }))
    .into_response()
}

/// The account (domain) id of the emulated project.
const DOMAIN_ID: &str = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";

async fn unknown_api() -> ApiError {
    ApiError::modelarts(
        StatusCode::NOT_FOUND,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment",
    )
}
