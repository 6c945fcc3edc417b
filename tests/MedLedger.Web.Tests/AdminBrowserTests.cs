using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Deque.AxeCore.Playwright;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Platform admin screens in Chromium: verifying a newly registered hospital (a rejection needs a reason), the
/// live occupancy chart and its table, break-glass review, security events, and the refusal of all of it to a patient.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task The_admin_approves_a_newly_registered_hospital_in_the_browser_after_a_reject_without_reason_is_refused_and_again_after_its_card_changed()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Lakeside Clinic {tag}";
        using var anonymous = new MedLedgerClient(new Uri(world.Url));
        var (staffEmail, staffPassword) = ($"lakeside-staff-{tag}@demo.medledger.local", "correct horse battery " + tag);
        var registration = await anonymous.RegisterWithDevOutboxAsync(staffEmail, staffPassword, Role.HospitalStaff,
            newOrganization: new NewOrganization(OrganizationKind.Hospital, name, "9 Lake Shore, Lakeside", 52.48, 13.35, "+49 30 5000 500", null, "HRB 1008"));
        var orgId = registration.OrganizationId!.Value;
        Assert.DoesNotContain(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Verification");
        var entry = page.GetByRole(AriaRole.Group, new() { Name = name, Exact = true });
        await Assertions.Expect(entry).ToContainTextAsync("9 Lake Shore, Lakeside");
        await Assertions.Expect(entry).ToContainTextAsync("registration no. HRB 1008");
        await BrowserWorld.ScreenshotAsync(page, "admin-verifications");

        // Reject without a reason: the server refuses and says the reason is required; nothing changes.
        await entry.GetByRole(AriaRole.Button, new() { Name = $"Reject {name}" }).ClickAsync();
        await entry.GetByRole(AriaRole.Button, new() { Name = "Confirm rejection" }).ClickAsync();
        await Assertions.Expect(entry.GetByRole(AriaRole.Alert)).ToContainTextAsync("reason");
        await BrowserWorld.ScreenshotAsync(page, "admin-verifications-reject-refused");
        Assert.DoesNotContain(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);

        await entry.GetByRole(AriaRole.Button, new() { Name = $"Approve {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"{name} was approved.")).ToBeVisibleAsync();
        await Assertions.Expect(entry).ToHaveCountAsync(0);
        var approved = Assert.Single(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);
        Assert.Equal(VerificationStatus.Approved, approved.Verification);

        // The staff member is decided with the admin's own signature, made in this browser over their identity card.
        var staffId = registration.UserId.ToString()[..8];
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex($"^Approve .*{staffId}$") }).ClickAsync();
        await Assertions.Expect(page.GetByText(new System.Text.RegularExpressions.Regex($"{staffId} was approved\\.$"))).ToBeVisibleAsync();
        using var admin = await world.SdkAsync("admin");
        var card = await admin.IdentityCardAsync(registration.UserId);
        Assert.True(card.Verified, card.NotVerifiedReason);
        Assert.Equal(admin.UserId.ToString(), card.Card.Verification!.Transaction().ActorId);

        // The staff change the registration number: the hospital is back in the queue as a changed card, and the
        // admin's new approval (signed here over the new card) is what clients check.
        using var staff = new MedLedgerClient(new Uri(world.Url));
        await staff.LoginWithDevOutboxAsync(staffEmail, staffPassword);
        var org = await staff.OrganizationAsync(orgId);
        await staff.UpdateOrganizationAsync(orgId, new OrganizationUpdate(org.Name, org.Address, org.Latitude, org.Longitude, org.ContactPhone, org.ContactEmail, "HRB 1008 B"));
        Assert.False((await staff.CheckOrganizationAsync(Assert.Single(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId))).Verified);
        // Away and back: the queue is read again (a reload would end the in-memory session).
        await HospitalTestKit.ClickNavAsync(page, "Occupancy");
        await HospitalTestKit.ClickNavAsync(page, "Verification");
        await Assertions.Expect(entry).ToContainTextAsync("registration no. HRB 1008 B");
        await Assertions.Expect(entry).ToContainTextAsync("card changed");
        await entry.GetByRole(AriaRole.Button, new() { Name = $"Approve {name}" }).ClickAsync();
        await Assertions.Expect(entry).ToHaveCountAsync(0);
        var reverified = await staff.CheckOrganizationAsync(Assert.Single(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId));
        Assert.True(reverified.Verified, reverified.NotVerifiedReason);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_occupancy_chart_and_table_show_each_hospitals_beds_and_follow_a_ward_change_live()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await HospitalTestKit.SdkAsync(world, "staff1");
        var northside = staff.Tokens!.User.OrganizationId!.Value;
        var ward = "Emergency " + tag;
        await staff.SetWardAsync(northside, ward, "emergency", 8, 2);
        BedTypeBeds Emergency(BedAvailability b) => b.ByType.Single(t => t.BedType == "emergency");
        var before = Emergency(await staff.BedsAsync(northside));

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Occupancy");
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Occupancy by hospital and bed type" });
        var row = table.Locator("tr", new() { HasText = HospitalTestKit.Northside }).Filter(new() { HasText = "Emergency" });
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        await Assertions.Expect(row.Locator("td")).ToHaveTextAsync([ "Emergency", N(before.Total), N(before.Occupied), N(before.Held), N(before.Free) ]);
        var bar = page.Locator($"[data-testid=occupancy-chart] g[data-row='{HospitalTestKit.Northside} emergency']");
        await Assertions.Expect(bar).ToContainTextAsync($"{before.Free} free / {before.Total}");
        await HospitalTestKit.ExpectLiveAsync(page);
        await BrowserWorld.ScreenshotAsync(page, "admin-occupancy");

        // A ward change reaches the open chart and table without a reload.
        await staff.SetWardAsync(northside, ward, "emergency", 8, 7);
        var after = Emergency(await staff.BedsAsync(northside));
        Assert.Equal(before.Free - 5, after.Free);
        await Assertions.Expect(row.Locator("td")).ToHaveTextAsync([ "Emergency", N(after.Total), N(after.Occupied), N(after.Held), N(after.Free) ]);
        await Assertions.Expect(bar).ToContainTextAsync($"{after.Free} free / {after.Total}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_reviews_a_break_glass_event_and_filters_security_events_by_kind()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        // A real break-glass at Riverside: key published by staff, summary made available by the patient, glass broken by the doctor.
        using var staff = await HospitalTestKit.SdkAsync(world, "staff2");
        using var doctor = await HospitalTestKit.SdkAsync(world, "doctor21");
        using var anonymous = new MedLedgerClient(new Uri(world.Url));
        var password = "correct horse battery " + tag;
        var email = $"bg-patient-{tag}@demo.medledger.local";
        await anonymous.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        using var patient = new MedLedgerClient(new Uri(world.Url));
        await patient.LoginWithDevOutboxAsync(email, password);
        var riverside = staff.Tokens!.User.OrganizationId!.Value;
        await staff.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("""{"format":"medledger/v1/emergency-summary","bloodType":"A+"}"""), "application/json", category: "EmergencySummary");
        await patient.DesignateEmergencySummaryAsync(summary.RecordId, riverside);
        await doctor.BreakGlassAsync(patient.UserId, "unconscious");
        using var admin = await HospitalTestKit.SdkAsync(world, "admin");
        var ev = Assert.Single(await admin.BreakGlassEventsAsync(), e => e.PatientId == patient.UserId);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Break-glass");
        var card = page.GetByRole(AriaRole.Article, new() { Name = $"Break-glass event {ev.Id.ToString()[..8]}" });
        await Assertions.Expect(card).ToContainTextAsync("unconscious");
        await Assertions.Expect(card).ToContainTextAsync(HospitalTestKit.Riverside);
        await card.GetByLabel("Outcome").SelectOptionAsync("needs-follow-up");
        await BrowserWorld.ScreenshotAsync(page, "admin-break-glass");
        await card.GetByRole(AriaRole.Button, new() { Name = "Record review" }).ClickAsync();
        // Reviewed events leave the "not reviewed yet" list; with the filter off it shows the outcome.
        await Assertions.Expect(card).ToHaveCountAsync(0);
        var reviewed = Assert.Single(await admin.BreakGlassEventsAsync(), e => e.Id == ev.Id);
        Assert.Equal("needs-follow-up", reviewed.ReviewOutcome);
        await page.GetByLabel("Only events not reviewed yet").UncheckAsync();
        await Assertions.Expect(card).ToContainTextAsync("Needs follow-up");

        await HospitalTestKit.ClickNavAsync(page, "Security events");
        await page.GetByLabel("Kind").SelectOptionAsync("LoginSucceeded");
        var kinds = page.Locator("main table tbody tr td:nth-child(2)");
        await Assertions.Expect(kinds.First).ToHaveTextAsync("Login succeeded");
        // The filtered answer replaces the unfiltered rows as a whole: wait until no other kind is left before reading them.
        await Assertions.Expect(kinds.Filter(new() { HasNotText = "Login succeeded" })).ToHaveCountAsync(0);
        var all = await kinds.AllInnerTextsAsync();
        Assert.NotEmpty(all);
        Assert.All(all, k => Assert.Equal("Login succeeded", k));
        await BrowserWorld.ScreenshotAsync(page, "admin-security-events");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_lands_on_a_dashboard_of_metadata_with_a_ledger_activity_chart_with_axes_and_the_same_numbers_as_a_table()
    {
        using var admin = await world.SdkAsync("admin");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();
        var figures = page.GetByRole(AriaRole.Region, new() { Name = "Key figures" });
        await Assertions.Expect(figures).ToContainTextAsync("Ledger height");
        var shownHeight = long.Parse(await figures.Locator(".stat").First.Locator(".stat-value").InnerTextAsync(), CultureInfo.InvariantCulture);
        var head = (await admin.VerifyCurrentHeadAsync()).Height;
        Assert.InRange(shownHeight, 1, head);

        // The chart has its axes' labels; the table under it has a row per minute with transactions, summing to the figure shown.
        var chart = page.GetByTestId("activity-chart");
        await Assertions.Expect(chart).ToContainTextAsync("tx / min");
        await Assertions.Expect(chart).ToContainTextAsync("minute (local time)");
        await page.GetByText("Show as a table").ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Transactions per minute" });
        var counts = await table.Locator("tbody tr td:nth-child(2)").AllInnerTextsAsync();
        var lastHour = long.Parse(await figures.Locator(".stat").Nth(1).Locator(".stat-value").InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.Equal(lastHour, counts.Sum(c => long.Parse(c, CultureInfo.InvariantCulture)));
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Accounts by role" }).Locator("tbody tr")).ToHaveCountAsync(6);
        // The demo's own wards (DemoWorld.Hospitals.cs): both hospitals have beds without any other test adding a ward.
        var beds = page.GetByRole(AriaRole.Table, new() { Name = "Beds by hospital" });
        await Assertions.Expect(beds).ToContainTextAsync("Northside");
        await Assertions.Expect(beds).ToContainTextAsync("Riverside");
        // The demo insurer's ten claims (DemoWorld.Insurance.cs): counts and amounts only, with the approval rate.
        var claims = page.GetByRole(AriaRole.Table, new() { Name = "Claims by insurer" }).Locator("tbody tr", new() { HasText = "Mutual Health Insurance" });
        await Assertions.Expect(claims).ToHaveCountAsync(1);
        Assert.True(int.Parse(await claims.Locator("td").First.InnerTextAsync(), CultureInfo.InvariantCulture) >= 10);
        await Assertions.Expect(claims.Locator("td").Last).ToContainTextAsync("%");
        // The consortium: the demo's embedded peer is a consortium of one that certified the newest block, with no evidence.
        var members = page.GetByRole(AriaRole.Table, new() { Name = "Consortium members" });
        await Assertions.Expect(members.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(members).ToContainTextAsync("yes");
        await Assertions.Expect(page.GetByText("One peer (the embedded ledger)")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No evidence against any member.")).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "admin-dashboard");

        // Beyond the last hour: per day over 7 days, the same chart and table; the demo's transactions are all in the last bucket.
        await page.GetByLabel("Range", new() { Exact = true }).SelectOptionAsync("week");
        await Assertions.Expect(chart).ToContainTextAsync("tx / day");
        await Assertions.Expect(chart).ToContainTextAsync("day (local time)");
        await page.GetByText("Show as a table").ClickAsync();
        var perDay = page.GetByRole(AriaRole.Table, new() { Name = "Transactions per day" });
        await Assertions.Expect(perDay.Locator("tbody tr")).Not.ToHaveCountAsync(0);
        var week = (await perDay.Locator("tbody tr td:nth-child(2)").AllInnerTextsAsync()).Sum(c => long.Parse(c, CultureInfo.InvariantCulture));
        Assert.InRange(week, lastHour, (await admin.VerifyCurrentHeadAsync()).TreeSize);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_searches_the_ledger_by_subject_and_type_pages_nothing_wrong_and_downloads_the_matches_as_csv()
    {
        using var patient = await world.SdkAsync("patient2");
        var id = patient.UserId.ToString();
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Audit search");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Audit search" });

        // A short id is refused on the page (the search needs the full id); nothing is searched.
        await form.GetByLabel("Names (any id)").FillAsync(id[..8]);
        await form.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(form).ToContainTextAsync("Enter a full id (36 characters).");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Audit results" })).ToHaveCountAsync(0);

        await form.GetByLabel("Names (any id)").FillAsync(id);
        await form.GetByLabel("Transaction type").FillAsync("identity.register-keys");
        await form.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var results = page.GetByRole(AriaRole.Table, new() { Name = "Audit results" });
        await Assertions.Expect(results.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(results).ToContainTextAsync("identity.register-keys");
        await Assertions.Expect(results).ToContainTextAsync(id[..8]);
        await Assertions.Expect(results).ToContainTextAsync("valid");
        await BrowserWorld.ScreenshotAsync(page, "admin-audit-search");

        var download = await page.RunAndWaitForDownloadAsync(() => form.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        Assert.Equal("ledger-audit.csv", download.SuggestedFilename);
        string csv;
        await using (var stream = await download.CreateReadStreamAsync())
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            csv = await reader.ReadToEndAsync();
        }
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("log_index,block,time_utc,type,actor,valid,reason,transaction_id,payload", lines[0]);
        Assert.Contains($",identity.register-keys,{id},true,", Assert.Single(lines.Skip(1)), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByText("Exported 1 transaction.")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_suspends_an_account_in_the_list_which_then_cannot_sign_in_and_reinstates_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (email, password) = ($"listed-{tag}@demo.medledger.local", "correct horse battery " + tag);
        using (var anonymous = new MedLedgerClient(new Uri(world.Url)))
        {
            await anonymous.RegisterWithDevOutboxAsync(email, password, Role.Patient);
        }
        using var probe = new MedLedgerClient(new Uri(world.Url));
        await probe.LoginWithDevOutboxAsync(email, password);
        var id = probe.UserId;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Users");
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("Patient");
        var accounts = page.GetByRole(AriaRole.Table, new() { Name = "Accounts" });
        var row = accounts.Locator("tr", new() { Has = page.Locator($"code[title='{id}']") });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Suspend {id.ToString()[..8]}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Account {id.ToString()[..8]} is suspended.")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("Suspended");
        await BrowserWorld.ScreenshotAsync(page, "admin-people");

        using (var refused = new MedLedgerClient(new Uri(world.Url)))
        {
            var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => refused.LoginWithDevOutboxAsync(email, password));
            Assert.Equal(HttpStatusCode.Forbidden, e.Status);
        }
        await row.GetByRole(AriaRole.Button, new() { Name = $"Reinstate {id.ToString()[..8]}" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("Active");
        using (var again = new MedLedgerClient(new Uri(world.Url)))
        {
            await again.LoginWithDevOutboxAsync(email, password);
            Assert.Equal(id, again.UserId);
        }
        await HospitalTestKit.ClickNavAsync(page, "Organizations");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Organizations" })).ToContainTextAsync("Northside");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_admin_suspends_an_organization_with_a_reason_signed_in_the_browser_and_reinstates_it_and_the_screen_is_axe_clean()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Suspendable Clinic {tag}";
        using var anonymous = new MedLedgerClient(new Uri(world.Url));
        var registration = await anonymous.RegisterWithDevOutboxAsync($"suspendable-{tag}@demo.medledger.local", "correct horse battery " + tag, Role.HospitalStaff,
            newOrganization: new NewOrganization(OrganizationKind.Hospital, name, "4 Quiet Lane", 52.47, 13.31, null, null, "HRB 4004"));
        var orgId = registration.OrganizationId!.Value;
        using var admin = await world.SdkAsync("admin");
        await admin.DecideOrganizationAsync(orgId, true);
        Assert.Contains(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "admin"));
        await HospitalTestKit.ClickNavAsync(page, "Organizations");
        var row = page.GetByRole(AriaRole.Table, new() { Name = "Organizations" }).Locator("tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await page.GetByLabel("Reason for a suspension").SelectOptionAsync("licence-withdrawn");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Suspend {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"{name} is suspended (Licence withdrawn).")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("Suspended (Licence withdrawn)");
        await BrowserWorld.ScreenshotAsync(page, "admin-organizations");
        var axe = await page.RunAxe(new Deque.AxeCore.Commons.AxeRunOptions
        {
            RunOnly = new Deque.AxeCore.Commons.RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Nodes.FirstOrDefault()?.Html}"));

        // Signed in this browser with the admin's key; every client reads it from the ledger.
        Assert.DoesNotContain(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);
        var standing = (await admin.OrganizationVerificationReceiptAsync(orgId)).Standing!.Transaction();
        Assert.Equal((admin.UserId.ToString(), "suspended", "licence-withdrawn"), (standing.ActorId, standing.Get("standing"), standing.Get("reason")));
        var check = await admin.CheckOrganizationAsync(await admin.OrganizationAsync(orgId));
        Assert.Equal("an admin suspended this organization", check.NotVerifiedReason);

        await row.GetByRole(AriaRole.Button, new() { Name = $"Reinstate {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"{name} is reinstated (Resolved).")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("Active");
        Assert.Contains(await anonymous.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == orgId);
        Assert.True((await admin.CheckOrganizationAsync(await admin.OrganizationAsync(orgId))).Verified);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patient_gets_the_not_available_notice_on_admin_screens_and_the_api_refuses_admin_calls_with_403()
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "patient2"));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Verification", Exact = true })).ToHaveCountAsync(0);
        await HospitalTestKit.NavigateInAppAsync(page, "/admin/verifications");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Not available for your role.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Approve") })).ToHaveCountAsync(0);
        await BrowserWorld.ScreenshotAsync(page, "admin-refused-for-patient");
        await page.Context.CloseAsync();

        using var patient = await HospitalTestKit.SdkAsync(world, "patient2");
        var queue = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.VerificationQueueAsync());
        Assert.Equal(HttpStatusCode.Forbidden, queue.Status);
        var someOrg = (await patient.OrganizationsAsync(OrganizationKind.Hospital)).First().Id;
        var decide = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.DecideOrganizationAsync(someOrg, approve: false, reason: "no"));
        Assert.Equal(HttpStatusCode.Forbidden, decide.Status);
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", patient.Tokens!.AccessToken);
        foreach (var path in new[] { "/api/admin/hospitals/overview", "/api/admin/break-glass", "/api/admin/security-events" })
        {
            using var res = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        }
    }
}
