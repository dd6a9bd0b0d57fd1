//! `ClientRepo` on the database. List-valued metadata is stored as JSON text.

use diesel::prelude::*;
use latchkey_core::{RepoError, UnixTime};
use latchkey_oidc::{
    Client, ClientId, ClientRepo, ClientType, GrantType, RedirectUri, SigningAlg, TokenAuthMethod,
};

use super::schema::clients;
use super::{Db, repo_error, rows_changed};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clients)]
struct ClientRow {
    id: String,
    name: String,
    client_type: String,
    secret_hash: Option<String>,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: String,
    scopes: String,
    token_endpoint_auth_method: String,
    created_at: i64,
    updated_at: i64,
    id_token_signed_response_alg: String,
    jwks: Option<String>,
    allow_acr_downgrade: bool,
    require_consent: bool,
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, RepoError> {
    serde_json::to_string(v).map_err(|e| RepoError::Backend(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(
    id: &str,
    field: &str,
    s: &str,
) -> Result<T, RepoError> {
    serde_json::from_str(s).map_err(|e| RepoError::Backend(format!("client {id} {field}: {e}")))
}

impl ClientRow {
    fn from_client(c: &Client) -> Result<Self, RepoError> {
        Ok(Self {
            id: c.id.0.clone(),
            name: c.name.clone(),
            client_type: c.client_type.as_str().to_owned(),
            secret_hash: c.secret_hash.clone(),
            redirect_uris: to_json(&c.redirect_uris)?,
            post_logout_redirect_uris: to_json(&c.post_logout_redirect_uris)?,
            grant_types: to_json(&c.grant_types)?,
            scopes: to_json(&c.scopes)?,
            token_endpoint_auth_method: c.token_endpoint_auth_method.as_str().to_owned(),
            created_at: c.created_at.0,
            updated_at: c.updated_at.0,
            id_token_signed_response_alg: c.id_token_signed_response_alg.as_str().to_owned(),
            jwks: c.jwks.as_ref().map(to_json).transpose()?,
            allow_acr_downgrade: c.allow_acr_downgrade,
            require_consent: c.require_consent,
        })
    }

    fn into_client(self) -> Result<Client, RepoError> {
        let id = self.id;
        let bad =
            |field: &str, v: &str| RepoError::Backend(format!("client {id} has {field} {v:?}"));
        let client_type =
            ClientType::parse(&self.client_type).ok_or_else(|| bad("type", &self.client_type))?;
        let method = TokenAuthMethod::parse(&self.token_endpoint_auth_method).ok_or_else(|| {
            bad(
                "token_endpoint_auth_method",
                &self.token_endpoint_auth_method,
            )
        })?;
        let redirect_uris: Vec<RedirectUri> = from_json(&id, "redirect_uris", &self.redirect_uris)?;
        let post_logout: Vec<RedirectUri> = from_json(
            &id,
            "post_logout_redirect_uris",
            &self.post_logout_redirect_uris,
        )?;
        let grant_types: Vec<GrantType> = from_json(&id, "grant_types", &self.grant_types)?;
        let scopes: Vec<String> = from_json(&id, "scopes", &self.scopes)?;
        let alg = SigningAlg::parse(&self.id_token_signed_response_alg).ok_or_else(|| {
            bad(
                "id_token_signed_response_alg",
                &self.id_token_signed_response_alg,
            )
        })?;
        let jwks = match &self.jwks {
            Some(j) => Some(from_json(&id, "jwks", j)?),
            None => None,
        };
        Ok(Client {
            id: ClientId(id),
            name: self.name,
            client_type,
            secret_hash: self.secret_hash,
            redirect_uris,
            post_logout_redirect_uris: post_logout,
            grant_types,
            scopes,
            token_endpoint_auth_method: method,
            id_token_signed_response_alg: alg,
            jwks,
            allow_acr_downgrade: self.allow_acr_downgrade,
            require_consent: self.require_consent,
            created_at: UnixTime(self.created_at),
            updated_at: UnixTime(self.updated_at),
        })
    }
}

impl ClientRepo for Db {
    async fn create_client(&self, client: &Client) -> Result<(), RepoError> {
        let row = ClientRow::from_client(client)?;
        let created = self
            .run(move |conn| {
                diesel::insert_into(clients::table)
                    .values(&row)
                    .execute(conn)
                    .map(|_| ())
                    .map_err(|e| repo_error(e, &["client id"]))
            })
            .await?;
        self.clients.invalidate(&client.id.0);
        created
    }

    async fn client_by_id(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        if !super::storable_key(&id.0) {
            return Ok(None);
        }
        let generation = match self.clients.get(&id.0) {
            Ok(client) => return Ok(Some(client)),
            Err(generation) => generation,
        };
        let key = id.0.clone();
        let found = self
            .run(move |conn| {
                clients::table
                    .find(key)
                    .select(ClientRow::as_select())
                    .get_result(conn)
                    .optional()
                    .map_err(|e| repo_error(e, &[]))?
                    .map(ClientRow::into_client)
                    .transpose()
            })
            .await??;
        if let Some(client) = &found {
            self.clients.store(generation, client);
        }
        Ok(found)
    }

    async fn list_clients(&self) -> Result<Vec<Client>, RepoError> {
        self.run_long(move |conn| {
            clients::table
                .order((clients::created_at.asc(), clients::id.asc()))
                .select(ClientRow::as_select())
                .load(conn)
                .map_err(|e| repo_error(e, &[]))?
                .into_iter()
                .map(ClientRow::into_client)
                .collect()
        })
        .await?
    }

    async fn update_client(&self, client: &Client) -> Result<(), RepoError> {
        let row = ClientRow::from_client(client)?;
        let updated = self
            .run(move |conn| {
                diesel::update(clients::table.find(row.id.clone()))
                    .set(&row)
                    .execute(conn)
                    .map_err(|e| repo_error(e, &[]))
                    .and_then(rows_changed)
            })
            .await?;
        self.clients.invalidate(&client.id.0);
        updated
    }

    async fn delete_client(&self, id: &ClientId) -> Result<(), RepoError> {
        let key = id.0.clone();
        let deleted = self
            .run(move |conn| {
                diesel::delete(clients::table.find(key))
                    .execute(conn)
                    .map_err(|e| repo_error(e, &[]))
                    .and_then(rows_changed)
            })
            .await?;
        self.clients.invalidate(&id.0);
        deleted
    }
}
