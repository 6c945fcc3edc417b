import { checkOrganization, type OrganizationCardFields } from '../../sdk/organizations';
import { useAsync } from '../../ui/hooks';

/**
 * "verified" only after this browser checked the admin's signature over exactly the card shown (sdk/organizations
 * checkOrganization); otherwise "not verified by the admin", with the reason as a tooltip. The organization stays listed.
 */
export function VerifiedBadge(props: { card: OrganizationCardFields }) {
  const c = props.card;
  const check = useAsync(() => checkOrganization(c), [c.organizationId, c.kind, c.name, c.address, c.latitude, c.longitude]);
  if (!check.data) return <span class="badge neutral">checking verification…</span>;
  return check.data.verified
    ? <span class="badge ok" data-testid="org-verification">verified</span>
    : <span class="badge bad" data-testid="org-verification" title={check.data.notVerifiedReason ?? undefined}>{check.data.label}</span>;
}
