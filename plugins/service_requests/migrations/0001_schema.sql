-- Citizen requests (solicitudes ciudadanas; api-modules.md, domain.md §C):
-- each municipality configures the service types it attends (street
-- cleaning, waste separation, road signs) with their Open311 attributes;
-- citizens report a problem where it is, through the native API (signed in)
-- or any Open311 GeoReport v2 client (an app holding an API key); staff move
-- it through the internal statuses, and everyone sees the status and the
-- public history. The reporter's contact data is private: sealed at rest
-- with the instance's data key, never in a public answer or export.
CREATE SCHEMA service_requests;
GRANT USAGE ON SCHEMA service_requests TO cabildo_app;

-- Service types (Open311 "services"): what may be reported, with the
-- attributes (extra questions) a report of that type answers.
CREATE TABLE service_requests.services (
  tenant_id          uuid        NOT NULL REFERENCES core.tenants (id),
  id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- Open311 service_code: what clients send; unique among the tenant's live services.
  service_code       text        NOT NULL CHECK (service_code ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description        text        NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  group_name         text        NOT NULL DEFAULT '' CHECK (length(group_name) <= 200),
  keywords           text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(keywords) <= 50),
  -- realtime: a report gets its service_request_id at once; batch: a token
  -- first (tokens/{token}.json gives the id); blackbox: no status follow-up
  -- is promised. Cabildo stores every report at once whatever the type.
  type               text        NOT NULL DEFAULT 'realtime'
                                 CHECK (type IN ('realtime', 'batch', 'blackbox')),
  -- The Open311 attributes as published by services/{code}.json (schema
  -- ServiceRequestsAttribute, checked by attributes.cc): [{code, variable,
  -- datatype, required, datatype_description, order, description, values}].
  -- Empty: metadata=false.
  attributes         jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attributes) = 'array'),
  -- The agency that attends this service unless staff assign another.
  agency_responsible text        NOT NULL DEFAULT '' CHECK (length(agency_responsible) <= 200),
  -- An inactive service is not offered to new reports; its requests stay public.
  active             boolean     NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX services_code_idx ON service_requests.services (tenant_id, service_code)
  WHERE deleted_at IS NULL;
CREATE INDEX services_sync_idx ON service_requests.services (tenant_id, updated_at, id);
SELECT core.enable_tenant_rls('service_requests.services');
GRANT SELECT, INSERT, UPDATE ON service_requests.services TO cabildo_app;

-- API keys of the apps a tenant's admin registered (Open311 POST needs one).
-- The key itself is shown once, when issued; only its SHA-256 is kept.
CREATE TABLE service_requests.api_keys (
  tenant_id   uuid        NOT NULL REFERENCES core.tenants (id),
  id          uuid        NOT NULL DEFAULT gen_random_uuid(),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  key_digest  text        NOT NULL UNIQUE CHECK (key_digest ~ '^[0-9a-f]{64}$'),
  -- The key's first 8 characters, so an admin can tell keys apart.
  key_prefix  text        NOT NULL CHECK (key_prefix ~ '^[0-9a-f]{8}$'),
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT core.enable_tenant_rls('service_requests.api_keys');
GRANT SELECT, INSERT, UPDATE ON service_requests.api_keys TO cabildo_app;

-- One row per tenant: the last folio given (service_request_id is a
-- per-tenant number a citizen can read out on the phone).
CREATE TABLE service_requests.folios (
  tenant_id uuid   NOT NULL REFERENCES core.tenants (id) PRIMARY KEY,
  last      bigint NOT NULL DEFAULT 0
);
SELECT core.enable_tenant_rls('service_requests.folios');
GRANT SELECT, INSERT, UPDATE ON service_requests.folios TO cabildo_app;

-- The reports. Public: everything but reporter_id, api_key_id and
-- reporter_contact.
CREATE TABLE service_requests.requests (
  tenant_id          uuid        NOT NULL REFERENCES core.tenants (id),
  id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- Open311 service_request_id: the tenant's folio (folios.last + 1).
  folio              bigint      NOT NULL CHECK (folio > 0),
  -- Open311 token (tokens/{token}.json -> service_request_id): 32 hex.
  token              text        NOT NULL CHECK (token ~ '^[0-9a-f]{32}$'),
  service_id         uuid        NOT NULL,
  -- Internal status (domain.md §C): received, assigned, in_progress are
  -- Open311 "open"; resolved, closed, rejected, duplicate are "closed".
  status             text        NOT NULL DEFAULT 'received'
                                 CHECK (status IN ('received', 'assigned', 'in_progress', 'resolved',
                                                   'closed', 'rejected', 'duplicate')),
  status_notes       text        NOT NULL DEFAULT '' CHECK (length(status_notes) <= 2000),
  agency_responsible text        NOT NULL DEFAULT '' CHECK (length(agency_responsible) <= 200),
  -- What the reporter is told when the report is received (Open311 service_notice).
  service_notice     text        NOT NULL DEFAULT '' CHECK (length(service_notice) <= 2000),
  description        text        NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  -- WGS84; both or neither. At least one location: lat/long, address or address_id.
  lat                double precision CHECK (lat BETWEEN -90 AND 90),
  long               double precision CHECK (long BETWEEN -180 AND 180),
  address            text        NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  address_id         text        NOT NULL DEFAULT '' CHECK (length(address_id) <= 200),
  zipcode            text        NOT NULL DEFAULT '' CHECK (zipcode ~ '^([0-9]{5})?$'),
  -- http(s) URL of a photo hosted elsewhere (no uploads to this server).
  media_url          text        NOT NULL DEFAULT '' CHECK (length(media_url) <= 2000),
  -- The answers to the service's attributes, {code: value | [values]}, as validated.
  attributes         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  -- The open request of the same service within 30 m and 24 h this one repeats
  -- (status 'duplicate'); followers of this one read that one's status.
  duplicate_of       uuid,
  -- Who reported: a signed-in citizen (native API) and/or an app's key (Open311).
  reporter_id        uuid,
  api_key_id         uuid,
  -- Sealed JSON {email, phone, first_name, last_name, device_id, account_id}
  -- (SealPersonalData(..., id)); NULL when the reporter left none.
  reporter_contact   text        CHECK (reporter_contact LIKE 'v1.%'),
  requested_at       timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  expected_at        timestamptz,
  -- When it last became closed (resolved, closed, rejected, duplicate); NULL while open.
  closed_at          timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, folio),
  UNIQUE (token),
  FOREIGN KEY (tenant_id, service_id) REFERENCES service_requests.services (tenant_id, id),
  FOREIGN KEY (tenant_id, duplicate_of) REFERENCES service_requests.requests (tenant_id, id),
  CHECK ((lat IS NULL) = (long IS NULL)),
  CHECK (lat IS NOT NULL OR address <> '' OR address_id <> ''),
  CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL)),
  CHECK ((status IN ('resolved', 'closed', 'rejected', 'duplicate')) = (closed_at IS NOT NULL))
);
-- Open311 GET requests.json: newest first within a date window.
CREATE INDEX requests_requested_idx ON service_requests.requests (tenant_id, requested_at DESC, id);
CREATE INDEX requests_sync_idx ON service_requests.requests (tenant_id, updated_at, id);
CREATE INDEX requests_reporter_idx ON service_requests.requests (reporter_id, updated_at, id)
  WHERE reporter_id IS NOT NULL;
-- The duplicate rule: open requests of a service, by place.
CREATE INDEX requests_open_place_idx ON service_requests.requests (tenant_id, service_id, lat, long)
  WHERE status IN ('received', 'assigned', 'in_progress') AND lat IS NOT NULL;
SELECT core.enable_tenant_rls('service_requests.requests');
-- No DELETE: a report is closed, rejected or marked duplicate, never erased.
GRANT SELECT, INSERT, UPDATE ON service_requests.requests TO cabildo_app;

-- The public history of each request: its creation and every change of
-- status, notes, agency or expected date, oldest first. Who made a change
-- is in the audit chain, not here. Never updated.
CREATE TABLE service_requests.events (
  tenant_id          uuid        NOT NULL REFERENCES core.tenants (id),
  id                 bigint      GENERATED ALWAYS AS IDENTITY,
  request_id         uuid        NOT NULL,
  status             text        NOT NULL,
  status_notes       text        NOT NULL DEFAULT '',
  agency_responsible text        NOT NULL DEFAULT '',
  expected_at        timestamptz,
  at                 timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, request_id) REFERENCES service_requests.requests (tenant_id, id)
);
CREATE INDEX events_request_idx ON service_requests.events (tenant_id, request_id, id);
SELECT core.enable_tenant_rls('service_requests.events');
GRANT SELECT, INSERT ON service_requests.events TO cabildo_app;
