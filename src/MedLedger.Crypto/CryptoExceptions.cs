namespace MedLedger.Crypto;

/// <summary>Input that is not a well-formed MedLedger crypto structure.</summary>
public class CryptoFormatException : Exception
{
    public CryptoFormatException() { }
    public CryptoFormatException(string message) : base(message) { }
    public CryptoFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Authentication failed: a signature, tag or wrap did not verify. No plaintext is returned.</summary>
public class CryptoIntegrityException : Exception
{
    public CryptoIntegrityException() { }
    public CryptoIntegrityException(string message) : base(message) { }
    public CryptoIntegrityException(string message, Exception inner) : base(message, inner) { }
}
