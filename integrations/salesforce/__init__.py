"""Salesforce behind the CRM port, through simple-salesforce."""

from integrations.salesforce.auth import (
    ClientCredentials,
    JwtBearer,
    SalesforceAuthError,
    UsernamePassword,
)
from integrations.salesforce.connection import SalesforceConnection
from integrations.salesforce.crm import SalesforceCrm

__all__ = [
    "ClientCredentials",
    "JwtBearer",
    "SalesforceAuthError",
    "SalesforceConnection",
    "SalesforceCrm",
    "UsernamePassword",
]
