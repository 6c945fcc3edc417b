namespace MedLedger.Crypto.Tests;

/// <summary>Uses the real 600,000 PBKDF2 iterations, so each test derives as few times as it can.</summary>
public class KeyVaultTests
{
    private static readonly Lazy<NewAccountKeys> Account = new(() => KeyVault.Create("user-42", "correct horse battery staple"));

    [Fact]
    public void Sign_up_material_is_consistent()
    {
        var a = Account.Value;
        Assert.Equal(32, a.AuthenticationKey.Length);
        Assert.Equal(a.Keys.Public, a.Stored.PublicKeys);
        Assert.Equal(600_000, a.Stored.PasswordParameters.Iterations);
        Assert.Equal(a.RecoveryCode, RecoveryCode.Normalize(a.RecoveryCode));
        var json = a.Stored.ToJson();
        Assert.DoesNotContain(Convert.ToBase64String(a.Keys.Encryption.PrivateKey), json, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(a.AuthenticationKey), json, StringComparison.Ordinal);
        Assert.Equal(json, EncryptedKeyBundle.FromJson(json).ToJson());
    }

    [Fact]
    public void Password_unlocks_and_wrong_password_fails()
    {
        var a = Account.Value;
        var stored = EncryptedKeyBundle.FromJson(a.Stored.ToJson());
        Assert.Equal(a.Keys, KeyVault.UnlockWithPassword(stored, "correct horse battery staple"));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithPassword(stored, "correct horse battery stapler"));
    }

    [Fact]
    public void Recovery_code_unlocks_and_sets_a_new_password_without_changing_keys()
    {
        var a = Account.Value;
        Assert.Equal(a.Keys, KeyVault.UnlockWithRecoveryCode(a.Stored, a.RecoveryCode.ToLowerInvariant()));
        var update = KeyVault.RecoverWithCode(a.Stored, a.RecoveryCode, "new password after recovery");
        Assert.NotEqual(a.AuthenticationKey, update.AuthenticationKey);
        Assert.NotEqual(a.Stored.PasswordParameters.Salt, update.Stored.PasswordParameters.Salt);
        Assert.Same(a.Stored.RecoveryWrap, update.Stored.RecoveryWrap);
        Assert.Equal(a.Keys, KeyVault.UnlockWithPassword(update.Stored, "new password after recovery"));
        Assert.Equal(update.AuthenticationKey, PasswordKeys.Derive("new password after recovery", update.Stored.PasswordParameters).AuthenticationKey);
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithPassword(update.Stored, "correct horse battery staple"));
    }

    [Fact]
    public void Wrong_recovery_code_fails_and_mistyped_code_is_a_format_error()
    {
        var a = Account.Value;
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithRecoveryCode(a.Stored, RecoveryCode.Generate()));
        var typo = (a.RecoveryCode[0] == 'A' ? 'B' : 'A') + a.RecoveryCode[1..];
        Assert.Throws<CryptoFormatException>(() => KeyVault.UnlockWithRecoveryCode(a.Stored, typo));
    }

    [Fact]
    public void Change_password_requires_the_current_one_and_keeps_key_pairs()
    {
        var a = Account.Value;
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.ChangePassword(a.Stored, "not my password", "x"));
        var update = KeyVault.ChangePassword(a.Stored, "correct horse battery staple", "tr0ub4dor&3");
        Assert.Same(a.Stored.RecoveryWrap, update.Stored.RecoveryWrap);
        Assert.Equal(a.Stored.PublicKeys, update.Stored.PublicKeys);
        var kek = PasswordKeys.Derive("tr0ub4dor&3", update.Stored.PasswordParameters).KeyEncryptionKey;
        Assert.Equal(a.Keys, KeyVault.UnlockWithKeyEncryptionKey(update.Stored, kek));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithKeyEncryptionKey(a.Stored, kek));
    }

    [Fact]
    public void Wrap_is_bound_to_user_purpose_and_public_keys()
    {
        var keys = KeyBundle.Generate();
        var wrappingKey = new byte[32];
        wrappingKey[0] = 7;
        var wrap = KeyVault.WrapPrivateKeys(keys, "user-1", KeyVault.PasswordPurpose, wrappingKey);
        Assert.Equal(keys, KeyVault.UnwrapPrivateKeys(wrap, "user-1", KeyVault.PasswordPurpose, keys.Public, wrappingKey));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnwrapPrivateKeys(wrap, "user-2", KeyVault.PasswordPurpose, keys.Public, wrappingKey));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnwrapPrivateKeys(wrap, "user-1", KeyVault.RecoveryPurpose, keys.Public, wrappingKey));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnwrapPrivateKeys(wrap, "user-1", KeyVault.PasswordPurpose, KeyBundle.Generate().Public, wrappingKey));
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnwrapPrivateKeys(wrap, "user-1", KeyVault.PasswordPurpose, keys.Public, new byte[32]));
    }

    [Fact]
    public void Private_key_wrap_has_a_92_byte_opaque_form()
    {
        var wrap = Account.Value.Stored.PasswordWrap;
        var bytes = wrap.ToBytes();
        Assert.Equal(92, bytes.Length);
        var back = PrivateKeyWrap.FromBytes(bytes);
        Assert.Equal(wrap.Nonce, back.Nonce);
        Assert.Equal(wrap.Ciphertext, back.Ciphertext);
        Assert.Throws<CryptoFormatException>(() => PrivateKeyWrap.FromBytes(bytes[..91]));
    }

    [Fact]
    public void Stored_bundle_json_is_strict_and_enforces_minimum_iterations()
    {
        var json = Account.Value.Stored.ToJson();
        Assert.Throws<CryptoFormatException>(() => EncryptedKeyBundle.FromJson(json.Replace("\"iterations\":600000", "\"iterations\":1000", StringComparison.Ordinal)));
        Assert.Throws<CryptoFormatException>(() => EncryptedKeyBundle.FromJson(json.Replace("\"userId\":", "\"userid\":", StringComparison.Ordinal)));
    }
}
