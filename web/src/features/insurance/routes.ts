import type { RouteDef } from '../../app/router';
import { ApplicationQueue } from './ApplicationQueue';
import { ClaimQueue } from './ClaimQueue';
import { ClaimsFiled } from './ClaimsFiled';
import { EligibilityCheck } from './EligibilityCheck';
import { FileClaim } from './FileClaim';
import { InsurancePlans } from './InsurancePlans';
import { InsurerFigures } from './InsurerFigures';
import { InsurerPolicies } from './InsurerPolicies';
import { MyClaims } from './MyClaims';
import { MyInsurance } from './MyInsurance';
import { PlanEditor } from './PlanEditor';

export const insuranceRoutes: RouteDef[] = [
  { path: '/insurer/plans', title: 'Plans', roles: ['InsurerStaff'], nav: true, component: PlanEditor },
  { path: '/insurer/applications', title: 'Applications', roles: ['InsurerStaff'], nav: true, component: ApplicationQueue },
  { path: '/insurer/policies', title: 'Policies', roles: ['InsurerStaff'], nav: true, component: InsurerPolicies },
  { path: '/insurance/plans', title: 'Insurance plans', roles: ['Patient'], nav: true, component: InsurancePlans },
  { path: '/insurance/mine', title: 'My insurance', roles: ['Patient'], nav: true, component: MyInsurance },
  { path: '/insurance/eligibility', title: 'Eligibility check', roles: ['Doctor', 'HospitalStaff', 'Pharmacist'], nav: true, component: EligibilityCheck },
  { path: '/insurer/claims', title: 'Claims', roles: ['InsurerStaff'], nav: true, component: ClaimQueue },
  { path: '/insurer/figures', title: 'Figures', roles: ['InsurerStaff'], nav: true, component: InsurerFigures },
  { path: '/insurance/claims', title: 'My claims', roles: ['Patient'], nav: true, component: MyClaims },
  { path: '/insurance/claims/file', title: 'File a claim', roles: ['Doctor', 'HospitalStaff', 'Pharmacist', 'Patient'], nav: true, component: FileClaim },
  { path: '/insurance/claims/filed', title: 'Claims filed', roles: ['Doctor', 'HospitalStaff', 'Pharmacist'], nav: true, component: ClaimsFiled },
];
