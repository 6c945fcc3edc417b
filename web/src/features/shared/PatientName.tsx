import { label, sharedProfiles, type OpenedProfile } from '../../sdk/profiles';
import { ShortId } from '../../ui/components';
import { useAsync } from '../../ui/hooks';

/** The profiles wrapped for the signed-in professional, fetched and checked once per screen (not once per row). */
export function useSharedProfiles() {
  return useAsync((signal) => sharedProfiles(signal), []);
}

/**
 * A patient as a professional sees them: "Maria Keller, 54 (patient a831262f)" when the patient wrapped their profile
 * for this reader, else "Patient a831262f". The short id stays visible: it is what staff and patient compare aloud.
 */
export function PatientName(props: { id: string; profiles: Map<string, OpenedProfile> | undefined }) {
  const profile = props.profiles?.get(props.id);
  if (!profile) {
    return (
      <>
        Patient <ShortId id={props.id} />
      </>
    );
  }
  return (
    <>
      <strong class="patient-name">{label(profile, props.id)}</strong>{' '}
      <span class="muted">
        (patient <ShortId id={props.id} />)
      </span>
    </>
  );
}

/** Plain-text form for places that take a string (select options, page titles). */
export function patientText(id: string, profiles: Map<string, OpenedProfile> | undefined): string {
  const profile = profiles?.get(id);
  return profile ? `${label(profile, id)} (patient ${id.slice(0, 8)})` : label(undefined, id);
}
