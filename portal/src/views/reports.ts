// Citizen reports (#/t/{tenant}/reportes): report a problem of one of the
// municipality's services (signed in: POST /service-requests/requests) and
// follow every request's status. A state's page lists its municipalities'
// requests (include_descendants) and sends citizens to their municipality
// to report. The reporter's contact data is never shown (the API never
// publishes it).
import type { components } from "@cabildo/client";

import { allPages, api, problemMessage, tenantPath } from "../api";
import type { ViewContext } from "../context";
import { downloadLink, h } from "../dom";
import { formatDateTime, formatNumber } from "../format";
import { accessToken } from "../session";
import { authBlock, ensureSession, sessionBar } from "./auth";
import { formAlert, inputField, makeField, selectField, showFieldErrors, type Field } from "./forms";

type Service = components["schemas"]["ServiceRequestsService"];
type Attribute = components["schemas"]["ServiceRequestsServiceAttribute"];
type Request = components["schemas"]["ServiceRequestsRequest"];
type ReportInput = components["schemas"]["ServiceRequestsReportInput"];

const statusNames: Record<Request["status"], string> = {
  received: "Recibida",
  assigned: "Asignada",
  in_progress: "En proceso",
  resolved: "Atendida",
  closed: "Cerrada",
  rejected: "Rechazada",
  duplicate: "Duplicada",
};
const open311Names = { open: "Abierta", closed: "Cerrada" } as const;
const pageOfRequests = 20;

// ---------------------------------------------------------------------------
// The list of requests, newest first, with an open/closed filter.

interface RequestList {
  element: HTMLElement;
  reload(highlight?: string): Promise<void>;
}

function requestEntry(request: Request, tenantName: string | null, isNew: boolean): HTMLElement {
  const folio = request.service_request_id;
  return h(
    "li",
    { class: `card request${isNew ? " new" : ""}`, "data-folio": folio, "data-id": request.id, "data-status": request.status },
    h("h3", null, folio ? `Folio ${folio}` : "Folio en trámite", " · ", request.service_name),
    h(
      "p",
      null,
      h("span", { class: `status-badge status-${request.open311_status}` }, open311Names[request.open311_status] ?? request.open311_status),
      " ",
      h("span", { class: "request-status" }, statusNames[request.status] ?? request.status),
      isNew ? h("strong", null, " · Tu reporte nuevo") : null,
    ),
    h("p", { class: "muted" }, `Reportada el ${formatDateTime(request.requested_at)}`, tenantName ? ` · ${tenantName}` : null),
    request.address ? h("p", null, h("span", { class: "visually-hidden" }, "Dirección: "), request.address) : null,
    request.description ? h("p", null, request.description.length > 280 ? `${request.description.slice(0, 280)}…` : request.description) : null,
    request.status_notes ? h("p", null, h("strong", null, "Respuesta: "), request.status_notes) : null,
    request.status === "duplicate" ? h("p", { class: "muted" }, "Repite un reporte abierto cercano; se atiende con aquel.") : null,
  );
}

function requestList(slug: string, withDescendants: boolean, tenantNames: Map<string, string>): RequestList {
  const filter = selectField(
    "filtro-estado",
    "Mostrar",
    [
      { value: "", label: "Todas las solicitudes" },
      { value: "open", label: "Solo las abiertas" },
      { value: "closed", label: "Solo las cerradas" },
    ],
  );
  const count = h("p", { class: "muted", role: "status" });
  const list = h("ol", { class: "request-list", reversed: true });
  const more = h("button", { type: "button", class: "secondary more" }, `Mostrar ${pageOfRequests} más`);
  let requests: Request[] = [];
  let highlighted: string | undefined;
  let shown = pageOfRequests;

  const show = () => {
    const wanted = filter.select.value;
    const matching = requests.filter((request) => !wanted || request.open311_status === wanted);
    const visible = matching.slice(0, shown);
    more.hidden = visible.length >= matching.length;
    list.replaceChildren(
      ...visible.map((request) =>
        requestEntry(request, withDescendants ? tenantNames.get(request.tenant) ?? request.tenant : null, request.id === highlighted),
      ),
    );
    count.textContent =
      matching.length > visible.length
        ? `Se muestran las ${formatNumber(visible.length)} más recientes de ${formatNumber(matching.length)} solicitudes.`
        : `${formatNumber(matching.length)} solicitudes.`;
  };
  filter.select.addEventListener("change", () => {
    shown = pageOfRequests;
    show();
  });
  more.addEventListener("click", () => {
    // Keep the keyboard where it was: on the first of the newly shown entries.
    const before = shown;
    shown += pageOfRequests;
    show();
    const next = list.children[before] as HTMLElement | undefined;
    if (next) {
      next.tabIndex = -1;
      next.focus();
    }
  });

  return {
    element: h("div", { class: "requests" }, h("form", { class: "filter", role: "search", onsubmit: (event: Event) => event.preventDefault() }, filter.wrapper), count, list, more),
    async reload(highlight) {
      highlighted = highlight ?? highlighted;
      requests = await allPages<Request>(async (cursor) => {
        const { data, error } = await api.GET("/v1/tenants/{tenant}/service-requests/requests", {
          params: { path: { tenant: slug }, query: { limit: 100, cursor, include_descendants: withDescendants || undefined } },
        });
        if (error) throw new Error(problemMessage(error));
        return data ? { items: data.items ?? [], next_cursor: data.next_cursor } : undefined;
      });
      // Newest first; the same instant (a batch) by folio, highest first.
      requests.sort((a, b) =>
        a.requested_at !== b.requested_at
          ? (a.requested_at < b.requested_at ? 1 : -1)
          : Number(b.service_request_id || 0) - Number(a.service_request_id || 0),
      );
      show();
    },
  };
}

// ---------------------------------------------------------------------------
// The report form: service, its attributes (Open311 questions), description,
// address and optional coordinates.

interface AttributeInput {
  field: Field;
  read(): string | number | string[] | undefined;
}

function attributeInput(attribute: Attribute): AttributeInput | HTMLElement {
  const id = `atributo-${attribute.code}`;
  if (!attribute.variable) return h("p", { class: "notice" }, attribute.description);
  const label = attribute.description || attribute.code;
  const hint = attribute.datatype_description || undefined;
  const suffix = attribute.required ? "" : " (opcional)";
  switch (attribute.datatype) {
    case "singlevaluelist": {
      const field = selectField(id, `${label}${suffix}`, attribute.values.map((value) => ({ value: value.key, label: value.name })), {
        hint,
        placeholder: "Elige una opción",
      });
      if (attribute.required) field.select.setAttribute("aria-required", "true");
      return { field, read: () => field.select.value || undefined };
    }
    case "multivaluelist": {
      const hintId = hint ? `${id}-hint` : null;
      const boxes = attribute.values.map((value) =>
        h("input", { type: "checkbox", id: `${id}-${value.key}`, name: id, value: value.key }),
      );
      const fieldset = h(
        "fieldset",
        { id },
        h("legend", null, `${label}${suffix}`),
        hint ? h("p", { class: "hint", id: hintId }, hint) : null,
        boxes.map((box, index) => h("label", { class: "checkbox", for: box.id }, box, attribute.values[index].name)),
      );
      const wrapper = h("div", { class: "field" }, fieldset);
      const field = makeField(wrapper, fieldset, id, hintId);
      const values = () => boxes.filter((box) => box.checked).map((box) => box.value);
      return { field, read: () => (values().length ? values() : undefined) };
    }
    case "number": {
      const field = inputField(id, label, { hint, inputmode: "decimal", required: attribute.required });
      return {
        field,
        read: () => {
          const text = field.input.value.trim().replace(",", ".");
          if (!text) return undefined;
          return Number.isFinite(Number(text)) ? Number(text) : text;
        },
      };
    }
    case "datetime": {
      const field = inputField(id, label, { type: "datetime-local", hint, required: attribute.required });
      return {
        field,
        read: () => {
          const value = field.input.value;
          if (!value) return undefined;
          const date = new Date(value);
          return Number.isNaN(date.getTime()) ? value : date.toISOString();
        },
      };
    }
    default: {
      const field = inputField(id, label, { hint, required: attribute.required, multiline: attribute.datatype === "text", rows: 3 });
      return { field, read: () => field.input.value.trim() || undefined };
    }
  }
}

function reportForm(slug: string, services: Service[], onReported: (request: Request) => Promise<void>, onSessionLost: () => void): HTMLElement {
  const service = selectField(
    "reporte-servicio",
    "¿Qué quieres reportar?",
    services.map((s) => ({ value: s.service_code, label: s.name, group: s.group || undefined })),
    { hint: "Elige el tipo de problema.", placeholder: services.length > 1 ? "Elige un servicio" : undefined },
  );
  service.select.setAttribute("aria-required", "true");
  const serviceInfo = h("p", { class: "hint", id: "reporte-servicio-info", "aria-live": "polite" });
  const attributesBox = h("div", { class: "attributes" });
  let attributeInputs = new Map<string, AttributeInput>();

  const description = inputField("reporte-descripcion", "Describe el problema", {
    multiline: true,
    rows: 4,
    maxlength: 4000,
    required: true,
    hint: "Qué pasa y desde cuándo, en pocas palabras (hasta 4,000 caracteres).",
  });
  const address = inputField("reporte-direccion", "Dirección", {
    autocomplete: "street-address",
    partOfChoice: true,
    hint: "Calle, número y colonia, por ejemplo: Av. Morelos 300 Pte., Zona Centro. Escribe la dirección o las coordenadas.",
  });
  const lat = inputField("reporte-lat", "Latitud", { inputmode: "decimal", hint: "Por ejemplo 25.5611", partOfChoice: true });
  const long = inputField("reporte-long", "Longitud", { inputmode: "decimal", hint: "Por ejemplo -103.4980", partOfChoice: true });
  const alert = formAlert();
  const submit = h("button", { type: "submit" }, "Enviar reporte");

  const showService = () => {
    const chosen = services.find((s) => s.service_code === service.select.value);
    serviceInfo.textContent = chosen ? `${chosen.description} Lo atiende: ${chosen.agency_responsible}.` : "";
    attributeInputs = new Map();
    const nodes: Node[] = [];
    for (const attribute of [...(chosen?.attributes ?? [])].sort((a, b) => a.order - b.order)) {
      const input = attributeInput(attribute);
      if (input instanceof HTMLElement) nodes.push(input);
      else {
        attributeInputs.set(attribute.code, input);
        nodes.push(input.field.wrapper);
      }
    }
    attributesBox.replaceChildren(...nodes);
  };
  service.select.addEventListener("change", showService);
  showService();

  const form = h(
    "form",
    { class: "report-form", novalidate: true, "aria-labelledby": "formulario-reporte" },
    h("h3", { id: "formulario-reporte" }, "Tu reporte"),
    service.wrapper,
    serviceInfo,
    attributesBox,
    description.wrapper,
    address.wrapper,
    h(
      "details",
      { class: "coordinates" },
      h("summary", null, "Agregar coordenadas (opcional)"),
      h("p", { class: "hint" }, "Si las conoces (por ejemplo, copiadas de un mapa), en grados decimales."),
      h("div", { class: "coords" }, lat.wrapper, long.wrapper),
    ),
    alert,
    submit,
  );

  const fixedFields: Record<string, Field> = { service_code: service, description, address_string: address, address_id: address, zipcode: address };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const field of [service, description, address, lat, long, ...Array.from(attributeInputs.values(), (a) => a.field)]) field.set(null);
    alert.show(null);

    // What only the portal asks: a service and a description (Open311 allows
    // a report without one, but it would not tell the municipality anything).
    const body: ReportInput = { service_code: service.select.value };
    const text = description.input.value.trim();
    let missing: Field | null = null;
    if (!body.service_code) {
      service.set("Elige qué quieres reportar.");
      missing ??= service;
    }
    if (!text) {
      description.set("Describe el problema: qué pasa y desde cuándo.");
      missing ??= description;
    }
    // Coordinates: numbers, and both or neither (the server checks the ranges).
    const latText = lat.input.value.trim().replace(",", ".");
    const longText = long.input.value.trim().replace(",", ".");
    for (const [field, value, other, name] of [[lat, latText, longText, "la longitud"], [long, longText, latText, "la latitud"]] as const) {
      const problem = value && !Number.isFinite(Number(value))
        ? "Escribe un número en grados decimales, por ejemplo 25.5611."
        : !value && other
          ? `Falta este dato: va junto con ${name}.`
          : null;
      if (problem) {
        field.set(problem);
        missing ??= field;
      }
    }
    if (missing === lat || missing === long) (form.querySelector("details.coordinates") as HTMLDetailsElement).open = true;
    if (missing) {
      missing.control.focus();
      return;
    }
    body.description = text;
    const addressText = address.input.value.trim();
    if (addressText) body.address_string = addressText;
    const coordinatesGiven = Boolean(latText || longText);
    if (latText) body.lat = Number(latText);
    if (longText) body.long = Number(longText);
    const attributes: Record<string, string | number | string[]> = {};
    for (const [code, input] of attributeInputs) {
      const value = input.read();
      if (value !== undefined) attributes[code] = value;
    }
    if (Object.keys(attributes).length) body.attributes = attributes;

    submit.disabled = true;
    submit.textContent = "Enviando…";
    try {
      if (!(await ensureSession())) return onSessionLost();
      const { data, error, response } = await api.POST("/v1/tenants/{tenant}/service-requests/requests", {
        params: { path: { tenant: slug }, header: { "Idempotency-Key": crypto.randomUUID() } },
        body,
      });
      if (response.status === 401) return onSessionLost();
      if (!data) {
        // Location errors (lat, long, address_*) go next to what the person
        // filled: the coordinates if they typed some, else the address.
        const leftover = showFieldErrors(error, (name) => {
          if (name.startsWith("attribute[")) return attributeInputs.get(name.slice(10, -1))?.field ?? null;
          if (name === "lat" || name === "long") return coordinatesGiven ? (name === "lat" ? lat : long) : address;
          return fixedFields[name] ?? null;
        });
        if (coordinatesGiven && (form.querySelector("#reporte-lat[aria-invalid], #reporte-long[aria-invalid]"))) {
          (form.querySelector("details.coordinates") as HTMLDetailsElement).open = true;
        }
        const hasFieldErrors = Array.isArray((error as { errors?: unknown[] } | undefined)?.errors) && (error as { errors: unknown[] }).errors.length > leftover.length;
        alert.show(
          hasFieldErrors
            ? `No se envió el reporte. ${leftover.length ? leftover.join(" ") : "Revisa los campos señalados."}`
            : `No se envió el reporte. ${problemMessage(error)}`,
        );
        return;
      }
      form.reset();
      showService();
      await onReported(data);
    } catch {
      alert.show("No se pudo conectar con el servidor; tu reporte no se envió. Revisa tu conexión e intenta de nuevo.");
    } finally {
      submit.disabled = false;
      submit.textContent = "Enviar reporte";
    }
  });
  return form;
}

// ---------------------------------------------------------------------------

export async function renderReports(context: ViewContext): Promise<Node> {
  const tenant = context.tenant!;
  const slug = tenant.slug;
  const withDescendants = tenant.children.length > 0;
  const [services, directory] = await Promise.all([
    allPages<Service>(async (cursor) => {
      const { data, error } = await api.GET("/v1/tenants/{tenant}/service-requests/services", {
        params: { path: { tenant: slug }, query: { limit: 100, cursor, include_descendants: withDescendants || undefined } },
      });
      if (error) throw new Error(problemMessage(error));
      return data ? { items: (data.items ?? []).filter((s): s is Service => !("deleted" in s && s.deleted)), next_cursor: data.next_cursor } : undefined;
    }),
    api.GET("/v1/tenants", { params: { query: { limit: 100 } } }),
  ]);
  const tenantNames = new Map((directory.data?.items ?? []).map((item) => [item.slug, item.name]));
  const own = services.filter((s) => s.tenant === slug && s.active);
  const active = services.filter((s) => s.active);

  const requests = requestList(slug, withDescendants, tenantNames);
  await requests.reload();

  // The report area: the sign-in block, or the session bar and the form.
  const reportArea = h("div", { class: "report-area" });
  const result = h("div", { class: "report-result", tabindex: -1 });
  const showReportArea = (notice?: string) => {
    if (own.length === 0) {
      const municipalities = (directory.data?.items ?? []).filter(
        (item) => item.parent === slug && item.modules.includes("service-requests"),
      );
      reportArea.replaceChildren(
        h("p", null, `${tenant.name} no recibe reportes directamente: cada municipio atiende los suyos.`),
        h("ul", { class: "plain" }, municipalities.map((m) => h("li", null, h("a", { href: `#/t/${m.slug}/reportes` }, `Reportar en ${m.name}`)))),
      );
      return;
    }
    if (!accessToken() && !notice) {
      // A refresh token may still renew the session quietly.
      void ensureSession().then((ok) => ok && showReportArea());
    }
    if (!accessToken()) {
      reportArea.replaceChildren(authBlock(() => showReportArea(), notice));
      return;
    }
    reportArea.replaceChildren(
      sessionBar(() => showReportArea()),
      reportForm(
        slug,
        own,
        async (request) => {
          const folio = request.service_request_id;
          result.replaceChildren(
            h(
              "div",
              { class: "notice ok", role: "status", "data-folio": folio },
              h("p", null, h("strong", null, folio ? `Tu reporte quedó registrado con el folio ${folio}.` : "Tu reporte quedó registrado; el folio se asigna en unos minutos.")),
              request.service_notice ? h("p", null, request.service_notice) : null,
              request.status === "duplicate" ? h("p", null, "Ya había un reporte abierto del mismo problema muy cerca; el tuyo quedó ligado a aquel y se atienden juntos.") : null,
              h("p", null, "Aparece primero en la lista de solicitudes, abajo."),
            ),
          );
          await requests.reload(request.id);
          result.focus();
        },
        () => {
          showReportArea("Tu sesión terminó. Vuelve a iniciar sesión para enviar el reporte; lo que escribiste no se guardó.");
        },
      ),
    );
  };
  showReportArea();

  return h(
    "section",
    null,
    h("h1", null, `Reportes ciudadanos · ${tenant.name}`),
    h(
      "p",
      { class: "lead" },
      "Reporta un problema de tu calle (basura, señalamiento dañado…) y sigue su atención. Cada reporte recibe un folio; quién reporta no se publica.",
    ),
    h("section", { "aria-labelledby": "reportar" }, h("h2", { id: "reportar" }, "Reporta un problema"), result, reportArea),
    h(
      "section",
      { "aria-labelledby": "servicios" },
      h("h2", { id: "servicios" }, "Qué se puede reportar"),
      active.length
        ? h(
            "ul",
            { class: "cards" },
            active.map((s) =>
              h(
                "li",
                { class: "card" },
                h("h3", null, s.name),
                h("p", null, s.description),
                h("p", { class: "muted" }, `Lo atiende: ${s.agency_responsible}`, withDescendants ? ` · ${tenantNames.get(s.tenant) ?? s.tenant}` : ""),
              ),
            ),
          )
        : h("p", null, "Por ahora no hay servicios que reciban reportes."),
    ),
    h(
      "section",
      { "aria-labelledby": "solicitudes" },
      h("h2", { id: "solicitudes" }, "Solicitudes"),
      h("p", null, "Las más recientes primero. Abierta: recibida, asignada o en proceso; cerrada: atendida, cerrada, rechazada o duplicada."),
      requests.element,
    ),
    h(
      "section",
      { "aria-labelledby": "datos" },
      h("h2", { id: "datos" }, "Datos abiertos"),
      h(
        "ul",
        { class: "downloads" },
        h("li", null, downloadLink(tenantPath(slug, "service-requests/export.csv"), "Solicitudes", "CSV")),
        h("li", null, downloadLink(tenantPath(slug, "service-requests/export.json"), "Solicitudes", "JSON")),
      ),
      h(
        "p",
        null,
        "¿Desarrollas una aplicación? Este municipio habla Open311 GeoReport v2: ",
        h("a", { href: tenantPath(slug, "service-requests/open311/v2/discovery.json") }, "descubrimiento Open311 (discovery.json)"),
        " y ",
        h("a", { href: tenantPath(slug, "service-requests/open311/v2/services.json") }, "lista de servicios (services.json)"),
        ".",
      ),
    ),
  );
}
