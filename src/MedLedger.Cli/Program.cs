Console.WriteLine("medledger");
