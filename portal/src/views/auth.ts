// The small sign-in block of the report page: create an account or sign in
// (core routes /v1/auth/register and /v1/auth/login), with the server's
// Spanish messages next to the fields. Tokens go to session.ts, which the
// typed client reads before every request.
import { api, problemMessage } from "../api";
import { h } from "../dom";
import { clearSession, refreshToken, accessToken, sessionUser, setSession, setSessionUser } from "../session";
import { formAlert, inputField, showFieldErrors, type Field } from "./forms";

/** Whether a usable access token is at hand, renewing it with the refresh token if needed. */
export async function ensureSession(): Promise<boolean> {
  if (accessToken()) return true;
  const refresh = refreshToken();
  if (!refresh) return false;
  const { data } = await api.POST("/v1/auth/refresh", { body: { refresh_token: refresh } });
  if (!data) {
    clearSession();
    return false;
  }
  setSession(data);
  return true;
}

export async function signOut(): Promise<void> {
  if (accessToken()) await api.POST("/v1/auth/logout").catch(() => undefined);
  clearSession();
}

async function signIn(email: string, password: string): Promise<{ ok: true } | { ok: false; error: unknown; status: number }> {
  const { data, error, response } = await api.POST("/v1/auth/login", { body: { email, password } });
  if (!data) return { ok: false, error, status: response.status };
  setSession(data);
  const me = await api.GET("/v1/me");
  const user = me.data as { name?: string; email?: string; user?: { name?: string; email?: string } } | undefined;
  setSessionUser({ name: user?.name ?? user?.user?.name ?? "", email: user?.email ?? user?.user?.email ?? email });
  return { ok: true };
}

const fieldOf = (fields: Record<string, Field>) => (name: string) => fields[name] ?? null;

/** The sign-in and create-account forms; `onSignedIn` runs once a session exists. */
export function authBlock(onSignedIn: () => void, notice?: string): HTMLElement {
  // Sign in.
  const loginEmail = inputField("acceso-correo", "Correo electrónico", { type: "email", autocomplete: "email", required: true });
  const loginPassword = inputField("acceso-contrasena", "Contraseña", { type: "password", autocomplete: "current-password", required: true });
  const loginAlert = formAlert();
  const loginFields: Record<string, Field> = { email: loginEmail, password: loginPassword };
  const login = h(
    "form",
    { novalidate: true, "aria-labelledby": "acceso-titulo", class: "auth-login" },
    h("h3", { id: "acceso-titulo" }, "Ya tengo cuenta"),
    loginEmail.wrapper,
    loginPassword.wrapper,
    loginAlert,
    h("button", { type: "submit" }, "Iniciar sesión"),
  );
  login.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const field of Object.values(loginFields)) field.set(null);
    loginAlert.show(null);
    const email = loginEmail.input.value.trim();
    const password = loginPassword.input.value;
    if (!email) loginEmail.set("Escribe tu correo electrónico.");
    if (!password) loginPassword.set("Escribe tu contraseña.");
    if (!email || !password) {
      (email ? loginPassword : loginEmail).input.focus();
      return;
    }
    const result = await signIn(email, password).catch(() => ({ ok: false as const, error: null, status: 0 }));
    if (result.ok) return onSignedIn();
    const leftover = showFieldErrors(result.error, fieldOf(loginFields));
    loginAlert.show(leftover.length ? leftover.join(" ") : problemMessage(result.error));
  });

  // Create an account, then sign in with it.
  const name = inputField("registro-nombre", "Nombre", { autocomplete: "name", required: true });
  const email = inputField("registro-correo", "Correo electrónico", { type: "email", autocomplete: "email", required: true });
  const password = inputField("registro-contrasena", "Contraseña", {
    type: "password",
    autocomplete: "new-password",
    required: true,
    hint: "Al menos 10 caracteres, distinta de tu correo.",
  });
  const registerAlert = formAlert();
  const registerFields: Record<string, Field> = { name, email, password };
  const register = h(
    "form",
    { novalidate: true, "aria-labelledby": "registro-titulo", class: "auth-register" },
    h("h3", { id: "registro-titulo" }, "Crear una cuenta"),
    name.wrapper,
    email.wrapper,
    password.wrapper,
    registerAlert,
    h("button", { type: "submit" }, "Crear cuenta"),
  );
  register.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const field of Object.values(registerFields)) field.set(null);
    registerAlert.show(null);
    const values = { name: name.input.value.trim(), email: email.input.value.trim(), password: password.input.value };
    let missing: Field | null = null;
    if (!values.name) {
      name.set("Escribe tu nombre.");
      missing ??= name;
    }
    if (!values.email) {
      email.set("Escribe tu correo electrónico.");
      missing ??= email;
    }
    if (!values.password) {
      password.set("Escribe una contraseña de al menos 10 caracteres.");
      missing ??= password;
    }
    if (missing) {
      missing.control.focus();
      return;
    }
    try {
      const { data, error, response } = await api.POST("/v1/auth/register", { body: values });
      if (!data) {
        // 409: the e-mail already has an account; say it next to the e-mail.
        if (response.status === 409) {
          email.set(problemMessage(error));
          email.input.focus();
          return;
        }
        const leftover = showFieldErrors(error, fieldOf(registerFields));
        if (leftover.length || !(error as { errors?: unknown[] })?.errors?.length) registerAlert.show(leftover.length ? leftover.join(" ") : problemMessage(error));
        return;
      }
      const result = await signIn(values.email, values.password);
      if (!result.ok) {
        registerAlert.show(`Tu cuenta quedó creada, pero no se pudo iniciar la sesión: ${problemMessage(result.error)}`);
        return;
      }
      setSessionUser({ name: data.name, email: data.email });
      onSignedIn();
    } catch {
      registerAlert.show("No se pudo conectar con el servidor. Revisa tu conexión e intenta de nuevo.");
    }
  });

  return h(
    "section",
    { class: "auth", "aria-labelledby": "sesion-titulo" },
    h("h3", { id: "sesion-titulo", class: "visually-hidden" }, "Inicia sesión para reportar"),
    h("p", null, "Para enviar un reporte necesitas una cuenta: así puedes seguir tus reportes y evitamos reportes falsos. Tus datos de contacto nunca se publican."),
    notice ? h("p", { class: "notice error", role: "alert" }, notice) : null,
    h("div", { class: "auth-forms" }, login, register),
  );
}

/** "Sesión iniciada como …" with a sign-out button. */
export function sessionBar(onSignedOut: () => void): HTMLElement {
  const user = sessionUser();
  const button = h("button", { type: "button", class: "secondary" }, "Cerrar sesión");
  button.addEventListener("click", async () => {
    await signOut();
    onSignedOut();
  });
  return h(
    "div",
    { class: "session-bar" },
    h("p", null, "Sesión iniciada", user ? ` como ${user.name ? `${user.name} (${user.email})` : user.email}` : "", "."),
    button,
  );
}
