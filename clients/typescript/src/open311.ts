// Open311 GeoReport v2 as its clients speak it: a report is an
// application/x-www-form-urlencoded POST with attribute[code]=value and, for
// a multivaluelist, attribute[code][]=value once per value. openapi-fetch's
// default form serializer writes neither (it would send "[object Object]" or
// "a,b"), so an Open311 POST goes with this one:
//
//   await api.POST("/v1/tenants/{tenant}/service-requests/open311/v2/requests.json", {
//     params: { path: { tenant: "municipio-durango" } },
//     body: { api_key, service_code: "alumbrado-publico", lat: "24.02", long: "-104.65",
//             "attribute[falla]": "apagada" },
//     ...open311Form,
//   });
//
// Errors on Open311 routes are the specification's array [{code, description}].

type FormValue = string | number | boolean | null | undefined | readonly (string | number)[] | FormObject;
interface FormObject {
  readonly [key: string]: FormValue;
}

/** The body as Open311 form fields: nested objects as name[key], lists as name[] repeated. */
export function open311FormBody(body: FormObject): string {
  const fields = new URLSearchParams();
  const add = (name: string, value: FormValue, depth: number): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) fields.append(name.endsWith("[]") ? name : `${name}[]`, String(item));
    } else if (typeof value === "object") {
      // Open311 nests one level (attribute[code]); deeper objects are a caller's mistake.
      if (depth > 0) throw new TypeError(`Open311 form: ${name} nests too deep`);
      for (const [key, inner] of Object.entries(value as FormObject)) add(`${name}[${key}]`, inner, depth + 1);
    } else {
      fields.append(name, String(value));
    }
  };
  for (const [name, value] of Object.entries(body)) add(name, value, 0);
  return fields.toString();
}

/** Spread into an Open311 POST's options: the form's content type and serializer. */
export const open311Form = {
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  bodySerializer: (body: unknown): string => open311FormBody(body as FormObject),
} as const;

/** Open311's error answer. */
export type Open311Errors = { code: number; description: string }[];

/** true when `error` is Open311's error array (a phone shows its descriptions). */
export function isOpen311Errors(error: unknown): error is Open311Errors {
  return (
    Array.isArray(error) &&
    error.every((e) => typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number")
  );
}
