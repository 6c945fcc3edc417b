using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MedLedger.Client;

/// <summary>
/// The FHIR R4 resources a consultation closes with, built from the doctor's plain words (CLI and browser build the same
/// shapes; web/src/sdk/appointments.ts mirrors it): the outcome as an Encounter's narrative (R4 Encounter has no note
/// element) and the advice as a CarePlan's description. Full FHIR JSON can be passed to CloseConsultationAsync instead.
/// </summary>
public static partial class ConsultationOutcome
{
    public static string Encounter(Guid patientId, string outcome, bool remote = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        var json = new JsonObject
        {
            ["resourceType"] = "Encounter",
            ["text"] = new JsonObject { ["status"] = "generated", ["div"] = "<div xmlns=\"http://www.w3.org/1999/xhtml\">" + WebUtility.HtmlEncode(outcome) + "</div>" },
            ["status"] = "finished",
            ["class"] = new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-ActCode", ["code"] = remote ? "VR" : "AMB" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
        };
        return json.ToJsonString();
    }

    public static string CarePlan(Guid patientId, string advice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(advice);
        var json = new JsonObject
        {
            ["resourceType"] = "CarePlan",
            ["status"] = "active",
            ["intent"] = "plan",
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
            ["description"] = advice,
        };
        return json.ToJsonString();
    }

    /// <summary>
    /// The CarePlan with a follow-up visit added as an activity (kind Appointment, scheduled on <paramref name="followUp"/>):
    /// the follow-up stays inside the sealed advice, so only the patient and the doctor know of it.
    /// </summary>
    public static string WithFollowUp(string carePlanJson, DateOnly followUp)
    {
        var json = JsonNode.Parse(carePlanJson)?.AsObject() ?? throw new ArgumentException("not a JSON object", nameof(carePlanJson));
        var day = followUp.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (json["activity"] is not JsonArray activities)
        {
            activities = [];
            json["activity"] = activities;
        }
        activities.Add(new JsonObject
        {
            ["detail"] = new JsonObject
            {
                ["kind"] = "Appointment",
                ["status"] = "scheduled",
                ["scheduledPeriod"] = new JsonObject { ["start"] = day },
                ["description"] = "Follow-up visit on " + day,
            },
        });
        return json.ToJsonString();
    }

    /// <summary>
    /// A MedicationRequest from the doctor's words: the medicine and instructions as text, <paramref name="unitsPerFill"/>
    /// per fill over <paramref name="fills"/> fills (dispenseRequest quantity and numberOfRepeatsAllowed = fills − 1).
    /// </summary>
    public static string MedicationRequest(Guid patientId, string medication, int unitsPerFill = 1, int fills = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(medication);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitsPerFill, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fills, 1);
        var json = new JsonObject
        {
            ["resourceType"] = "MedicationRequest",
            ["status"] = "active",
            ["intent"] = "order",
            ["medicationCodeableConcept"] = new JsonObject { ["text"] = medication },
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
            ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = medication }),
            ["dispenseRequest"] = new JsonObject { ["numberOfRepeatsAllowed"] = fills - 1, ["quantity"] = new JsonObject { ["value"] = unitsPerFill } },
        };
        return json.ToJsonString();
    }

    /// <summary>The words to show for a closed consultation: the Encounter's narrative as text, the CarePlan's description and activities.</summary>
    public static (string Outcome, string Advice) Read(ConsultationAdvice advice)
    {
        ArgumentNullException.ThrowIfNull(advice);
        using var encounter = JsonDocument.Parse(advice.Encounter.Content);
        using var carePlan = JsonDocument.Parse(advice.CarePlan.Content);
        var outcome = encounter.RootElement.TryGetProperty("text", out var text) && text.TryGetProperty("div", out var div)
            ? WebUtility.HtmlDecode(Tags().Replace(div.GetString() ?? "", "")).Trim()
            : "";
        var lines = new List<string>();
        if (carePlan.RootElement.TryGetProperty("description", out var description))
        {
            lines.Add(description.GetString() ?? "");
        }
        if (carePlan.RootElement.TryGetProperty("activity", out var activities))
        {
            foreach (var a in activities.EnumerateArray())
            {
                if (a.TryGetProperty("detail", out var detail) && detail.TryGetProperty("description", out var d))
                {
                    lines.Add("- " + d.GetString());
                }
            }
        }
        return (outcome, string.Join('\n', lines));
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
