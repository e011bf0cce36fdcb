import { keepPreviousData, useQueries, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api, unwrap } from "../api/client";
import { Problem } from "../components/notices";
import type { SiteParties } from "./site-allocate";

/**
 * Each organisation at the site: its voice services against its active numbers (seeds 000,
 * 001), whether its main number forwards to the in-space hunt group, and who is in that group.
 */
export function SiteServices({
  siteId,
  parties,
  mayManage,
  numbersVersion,
}: {
  siteId: string;
  parties: SiteParties;
  mayManage: boolean;
  /** Changes whenever a shown number changes: active numbers and hunt groups are read again. */
  numbersVersion: string;
}) {
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<unknown>(null);
  const organizations = [
    { id: parties.operatorId, name: `${parties.operatorName} (operator)` },
    ...parties.occupiers,
  ];
  const path = (organizationId: string) => ({ path: { id: siteId, organizationId } });
  const entitlements = useQueries({
    queries: organizations.map((organization) => ({
      queryKey: ["site", siteId, "entitlement", organization.id, numbersVersion],
      queryFn: () =>
        unwrap(api.GET("/v1/sites/{id}/entitlements/{organizationId}", { params: path(organization.id) })),
      placeholderData: keepPreviousData,
    })),
  });
  const huntGroups = useQueries({
    queries: organizations.map((organization) => ({
      queryKey: ["site", siteId, "hunt-group", organization.id, numbersVersion],
      queryFn: () =>
        unwrap(api.GET("/v1/sites/{id}/hunt-groups/{organizationId}", { params: path(organization.id) })),
      placeholderData: keepPreviousData,
    })),
  });

  async function removeMember(organizationId: string, number: string) {
    setProblem(null);
    try {
      await unwrap(
        api.DELETE("/v1/sites/{id}/hunt-groups/{organizationId}/members/{number}", {
          params: { path: { id: siteId, organizationId, number } },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: ["site", siteId, "hunt-group", organizationId] });
    } catch (error) {
      setProblem(error instanceof ApiError ? error : new Error("The member could not be removed."));
    }
  }

  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">Voice services and hunt groups</h2>
      {problem ? <Problem error={problem} /> : null}
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Voice services</th>
              <th scope="col">Active numbers</th>
              <th scope="col">Main number forwards to hunt group</th>
              <th scope="col">Hunt group members</th>
            </tr>
          </thead>
          <tbody>
            {organizations.map((organization, index) => {
              const entitlement = entitlements[index];
              const huntGroup = huntGroups[index];
              return (
                <tr key={organization.id}>
                  <th scope="row">{organization.name}</th>
                  <td>{entitlement?.data?.voiceServices ?? (entitlement?.error ? "—" : "…")}</td>
                  <td>{entitlement?.data?.activeNumbers ?? (entitlement?.error ? "—" : "…")}</td>
                  <td>
                    {huntGroup?.data
                      ? huntGroup.data.huntGroup
                        ? "Yes"
                        : "No"
                      : huntGroup?.error
                        ? "—"
                        : "…"}
                  </td>
                  <td>
                    {huntGroup?.data && huntGroup.data.members.length > 0 ? (
                      <ul className="members">
                        {huntGroup.data.members.map((member) => (
                          <li key={member}>
                            {member}{" "}
                            {mayManage ? (
                              <button
                                type="button"
                                className="link-button"
                                aria-label={`Remove ${member} from the hunt group`}
                                onClick={() => removeMember(organization.id, member)}
                              >
                                Remove
                              </button>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    ) : huntGroup?.data ? (
                      "None"
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
