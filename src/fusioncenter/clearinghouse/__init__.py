"""The Clearinghouse for Missing and Exploited Children and Adults."""
