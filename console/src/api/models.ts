import type { paths } from "./types";

/** Shapes of the /v1 API the pages use, named once (all derived from the generated types). */
type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

export type NumberView = Json<paths["/v1/numbers/{number}"]["get"]["responses"][200]>;
export type NumberAction = NumberView["allowedActions"][number];
export type NumberQuery = NonNullable<paths["/v1/numbers"]["get"]["parameters"]["query"]>;
export type NumberCounts = Json<paths["/v1/numbers/counts"]["get"]["responses"][200]>;
export type HistoryEntry = Json<
  paths["/v1/numbers/{number}/history"]["get"]["responses"][200]
>["items"][number];
export type Transition = Json<paths["/v1/transitions/{id}"]["get"]["responses"][200]>;
export type TransitionBody = NonNullable<
  paths["/v1/numbers/{number}/transitions"]["post"]["requestBody"]
>["content"]["application/json"];
export type NumberEdit = NonNullable<
  paths["/v1/numbers/{number}"]["patch"]["requestBody"]
>["content"]["application/json"];
export type Site = Json<paths["/v1/sites"]["get"]["responses"][200]>["items"][number];
export type SweepReport = Json<paths["/v1/sweeps"]["post"]["responses"][200]>;
