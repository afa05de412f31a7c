// Compile-time checks (tsc --noEmit in scripts/test.d/15-client.sh): the
// generated types describe real routes, and a wrong parameter or body does
// not compile. Nothing here runs.
import { createCabildoClient, type components } from "../src/index";

const api = createCabildoClient({ baseUrl: "http://127.0.0.1:8080", accessToken: () => "t" });

export async function examples(): Promise<void> {
  // A module list with its typed query and answer.
  const projects = await api.GET("/v1/tenants/{tenant}/public-works/projects", {
    params: { path: { tenant: "durango" }, query: { limit: 20 } },
  });
  const first: components["schemas"]["PublicWorksProject"] | undefined = projects.data?.items[0];
  void first;

  // Open311: services, and a report as the native API takes it.
  const services = await api.GET("/v1/tenants/{tenant}/service-requests/open311/v2/services.json", {
    params: { path: { tenant: "gomez-palacio" } },
  });
  const code: string | undefined = services.data?.[0]?.service_code;
  void code;
  await api.POST("/v1/tenants/{tenant}/service-requests/requests", {
    params: { path: { tenant: "gomez-palacio" } },
    body: { service_code: "limpieza-calles", lat: 25.56, long: -103.49 },
  });

  // @ts-expect-error: no such route.
  await api.GET("/v1/tenants/{tenant}/no-such-module", { params: { path: { tenant: "x" } } });
  await api.GET("/v1/tenants/{tenant}/public-works/projects", {
    // @ts-expect-error: limit is a number.
    params: { path: { tenant: "durango" }, query: { limit: "veinte" } },
  });
}
