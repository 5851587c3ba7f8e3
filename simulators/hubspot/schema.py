"""HubSpot's default objects, properties and enumeration options: data only.

Everything the simulator knows about HubSpot's built-in schema lives here, so
a difference from the real portal is fixed in one place. Labels of the
industry options are derived from their internal values; HubSpot's own
labels differ slightly in places ("Food & Beverages"), the values do not.
"""

from __future__ import annotations

OBJECT_TYPES = ("contacts", "companies", "deals", "notes")

# objectTypeId as HubSpot numbers its standard objects.
OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "notes": "0-46"}

# Webhook subscription types and search association filters use the singular.
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "notes": "note"}

# Properties returned when a read names none (HubSpot's defaults per object).
DEFAULT_READ_PROPERTIES = {
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "contacts": (
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}

# Properties HubSpot returns even when a read names others.
ALWAYS_READ_PROPERTIES = {
    "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    "contacts": ("createdate", "lastmodifieddate", "hs_object_id"),
    "companies": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}

# Properties a create must set (HubSpot rejects a note without hs_timestamp).
REQUIRED_ON_CREATE = {"notes": ("hs_timestamp",)}

# Timestamps the simulator maintains on every write, per object type.
CREATED_PROPERTY = {
    "deals": "createdate",
    "contacts": "createdate",
    "companies": "createdate",
    "notes": "hs_createdate",
}
MODIFIED_PROPERTIES = {
    "deals": ("hs_lastmodifieddate",),
    # Contacts carry the legacy `lastmodifieddate`; we keep both in step.
    "contacts": ("lastmodifieddate", "hs_lastmodifieddate"),
    "companies": ("hs_lastmodifieddate",),
    "notes": ("hs_lastmodifieddate",),
}

# Free-text `query` in search looks at these properties.
QUERY_PROPERTIES = {
    "deals": ("dealname",),
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "notes": ("hs_note_body",),
}

# type -> fieldTypes HubSpot accepts with it (https://developers.hubspot.com/docs/api/crm/properties).
FIELD_TYPES_BY_TYPE = {
    "string": ("text", "textarea", "html", "phonenumber", "file"),
    "number": ("number",),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox",),
}

DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
)
PIPELINES = (("default", "Sales Pipeline"),)
DEAL_TYPES = (("newbusiness", "New Business"), ("existingbusiness", "Existing Business"))
PRIORITIES = (("low", "Low"), ("medium", "Medium"), ("high", "High"))
LIFECYCLE_STAGES = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
COMPANY_TYPES = (
    ("PROSPECT", "Prospect"),
    ("PARTNER", "Partner"),
    ("RESELLER", "Reseller"),
    ("VENDOR", "Vendor"),
    ("OTHER", "Other"),
)

INDUSTRY_VALUES = (
    "ACCOUNTING", "AIRLINES_AVIATION", "ALTERNATIVE_DISPUTE_RESOLUTION", "ALTERNATIVE_MEDICINE",
    "ANIMATION", "APPAREL_FASHION", "ARCHITECTURE_PLANNING", "ARTS_AND_CRAFTS", "AUTOMOTIVE",
    "AVIATION_AEROSPACE", "BANKING", "BIOTECHNOLOGY", "BROADCAST_MEDIA", "BUILDING_MATERIALS",
    "BUSINESS_SUPPLIES_AND_EQUIPMENT", "CAPITAL_MARKETS", "CHEMICALS",
    "CIVIC_SOCIAL_ORGANIZATION", "CIVIL_ENGINEERING", "COMMERCIAL_REAL_ESTATE",
    "COMPUTER_NETWORK_SECURITY", "COMPUTER_GAMES", "COMPUTER_HARDWARE", "COMPUTER_NETWORKING",
    "COMPUTER_SOFTWARE", "INTERNET", "CONSTRUCTION", "CONSUMER_ELECTRONICS", "CONSUMER_GOODS",
    "CONSUMER_SERVICES", "COSMETICS", "DAIRY", "DEFENSE_SPACE", "DESIGN",
    "EDUCATION_MANAGEMENT", "E_LEARNING", "ELECTRICAL_ELECTRONIC_MANUFACTURING",
    "ENTERTAINMENT", "ENVIRONMENTAL_SERVICES", "EVENTS_SERVICES", "EXECUTIVE_OFFICE",
    "FACILITIES_SERVICES", "FARMING", "FINANCIAL_SERVICES", "FINE_ART", "FISHERY",
    "FOOD_BEVERAGES", "FOOD_PRODUCTION", "FUND_RAISING", "FURNITURE", "GAMBLING_CASINOS",
    "GLASS_CERAMICS_CONCRETE", "GOVERNMENT_ADMINISTRATION", "GOVERNMENT_RELATIONS",
    "GRAPHIC_DESIGN", "HEALTH_WELLNESS_AND_FITNESS", "HIGHER_EDUCATION", "HOSPITAL_HEALTH_CARE",
    "HOSPITALITY", "HUMAN_RESOURCES", "IMPORT_AND_EXPORT", "INDIVIDUAL_FAMILY_SERVICES",
    "INDUSTRIAL_AUTOMATION", "INFORMATION_SERVICES", "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INSURANCE", "INTERNATIONAL_AFFAIRS", "INTERNATIONAL_TRADE_AND_DEVELOPMENT",
    "INVESTMENT_BANKING", "INVESTMENT_MANAGEMENT", "JUDICIARY", "LAW_ENFORCEMENT",
    "LAW_PRACTICE", "LEGAL_SERVICES", "LEGISLATIVE_OFFICE", "LEISURE_TRAVEL_TOURISM",
    "LIBRARIES", "LOGISTICS_AND_SUPPLY_CHAIN", "LUXURY_GOODS_JEWELRY", "MACHINERY",
    "MANAGEMENT_CONSULTING", "MARITIME", "MARKET_RESEARCH", "MARKETING_AND_ADVERTISING",
    "MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "MEDIA_PRODUCTION", "MEDICAL_DEVICES",
    "MEDICAL_PRACTICE", "MENTAL_HEALTH_CARE", "MILITARY", "MINING_METALS", "MOBILE_GAMES",
    "MOTION_PICTURES_AND_FILM", "MUSEUMS_AND_INSTITUTIONS", "MUSIC", "NANOTECHNOLOGY",
    "NEWSPAPERS", "NON_PROFIT_ORGANIZATION_MANAGEMENT", "OIL_ENERGY", "ONLINE_MEDIA",
    "OUTSOURCING_OFFSHORING", "PACKAGE_FREIGHT_DELIVERY", "PACKAGING_AND_CONTAINERS",
    "PAPER_FOREST_PRODUCTS", "PERFORMING_ARTS", "PHARMACEUTICALS", "PHILANTHROPY",
    "PHOTOGRAPHY", "PLASTICS", "POLITICAL_ORGANIZATION", "PRIMARY_SECONDARY_EDUCATION",
    "PRINTING", "PROFESSIONAL_TRAINING_COACHING", "PROGRAM_DEVELOPMENT", "PUBLIC_POLICY",
    "PUBLIC_RELATIONS_AND_COMMUNICATIONS", "PUBLIC_SAFETY", "PUBLISHING",
    "RAILROAD_MANUFACTURE", "RANCHING", "REAL_ESTATE", "RECREATIONAL_FACILITIES_AND_SERVICES",
    "RELIGIOUS_INSTITUTIONS", "RENEWABLES_ENVIRONMENT", "RESEARCH", "RESTAURANTS", "RETAIL",
    "SECURITY_AND_INVESTIGATIONS", "SEMICONDUCTORS", "SHIPBUILDING", "SPORTING_GOODS",
    "SPORTS", "STAFFING_AND_RECRUITING", "SUPERMARKETS", "TELECOMMUNICATIONS", "TEXTILES",
    "THINK_TANKS", "TOBACCO", "TRANSLATION_AND_LOCALIZATION",
    "TRANSPORTATION_TRUCKING_RAILROAD", "UTILITIES", "VENTURE_CAPITAL_PRIVATE_EQUITY",
    "VETERINARY", "WAREHOUSING", "WHOLESALE", "WINE_AND_SPIRITS", "WIRELESS",
    "WRITING_AND_EDITING",
)  # fmt: skip
INDUSTRIES = tuple((value, value.replace("_", " ").title()) for value in INDUSTRY_VALUES)

# The currencies this simulated portal has turned on (a multi-currency portal's
# deal_currency_code options are its currencies, as ISO 4217 codes).
CURRENCIES = (
    ("USD", "US Dollar"),
    ("EUR", "Euro"),
    ("GBP", "British Pound"),
    ("CAD", "Canadian Dollar"),
    ("AUD", "Australian Dollar"),
    ("JPY", "Japanese Yen"),
)

# Marks hubspot_owner_id: its options are the portal's owners, resolved at use.
OWNER_OPTIONS = "owners"

# (name, label, type, fieldType, groupName, options, readOnlyValue)
# `options` is a tuple of (value, label) pairs, OWNER_OPTIONS, or None.
_COMMON_OWNER = ("hubspot_owner_id", "Owner", "enumeration", "select", None, OWNER_OPTIONS, False)

DEFAULT_PROPERTIES = {
    "deals": (
        ("dealname", "Deal Name", "string", "text", "dealinformation", None, False),
        ("amount", "Amount", "number", "number", "dealinformation", None, False),
        ("deal_currency_code", "Currency", "enumeration", "select", "dealinformation",
         CURRENCIES, False),
        ("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation", DEAL_STAGES, False),
        ("pipeline", "Pipeline", "enumeration", "select", "dealinformation", PIPELINES, False),
        ("closedate", "Close Date", "datetime", "date", "dealinformation", None, False),
        ("dealtype", "Deal Type", "enumeration", "radio", "dealinformation", DEAL_TYPES, False),
        ("description", "Deal Description", "string", "textarea", "dealinformation", None, False),
        ("hs_priority", "Priority", "enumeration", "select", "dealinformation", PRIORITIES, False),
        ("hs_next_step", "Next step", "string", "textarea", "dealinformation", None, False),
        ("closed_lost_reason", "Closed Lost Reason", "string", "textarea", "dealinformation",
         None, False),
        ("closed_won_reason", "Closed Won Reason", "string", "textarea", "dealinformation",
         None, False),
        ("createdate", "Create Date", "datetime", "date", "dealinformation", None, False),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "dealinformation",
         None, True),
        ("hs_object_id", "Record ID", "number", "number", "dealinformation", None, True),
        ("hs_merged_object_ids", "Merged Deal IDs", "enumeration", "checkbox",
         "dealinformation", None, True),
    ),
    "contacts": (
        ("email", "Email", "string", "text", "contactinformation", None, False),
        ("firstname", "First Name", "string", "text", "contactinformation", None, False),
        ("lastname", "Last Name", "string", "text", "contactinformation", None, False),
        ("phone", "Phone Number", "string", "phonenumber", "contactinformation", None, False),
        ("mobilephone", "Mobile Phone Number", "string", "phonenumber", "contactinformation",
         None, False),
        ("jobtitle", "Job Title", "string", "text", "contactinformation", None, False),
        ("company", "Company Name", "string", "text", "contactinformation", None, False),
        ("website", "Website URL", "string", "text", "contactinformation", None, False),
        ("address", "Street Address", "string", "text", "contactinformation", None, False),
        ("city", "City", "string", "text", "contactinformation", None, False),
        ("state", "State/Region", "string", "text", "contactinformation", None, False),
        ("zip", "Postal Code", "string", "text", "contactinformation", None, False),
        ("country", "Country/Region", "string", "text", "contactinformation", None, False),
        ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation",
         LIFECYCLE_STAGES, False),
        ("createdate", "Create Date", "datetime", "date", "contactinformation", None, False),
        ("lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation",
         None, True),
        ("hs_lastmodifieddate", "Object last modified date/time", "datetime", "date",
         "contactinformation", None, True),
        ("hs_object_id", "Record ID", "number", "number", "contactinformation", None, True),
        ("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "checkbox",
         "contactinformation", None, True),
    ),
    "companies": (
        ("name", "Company name", "string", "text", "companyinformation", None, False),
        ("domain", "Company Domain Name", "string", "text", "companyinformation", None, False),
        ("website", "Website URL", "string", "text", "companyinformation", None, False),
        ("industry", "Industry", "enumeration", "select", "companyinformation", INDUSTRIES,
         False),
        ("type", "Type", "enumeration", "select", "companyinformation", COMPANY_TYPES, False),
        ("phone", "Phone Number", "string", "phonenumber", "companyinformation", None, False),
        ("address", "Street Address", "string", "text", "companyinformation", None, False),
        ("address2", "Street Address 2", "string", "text", "companyinformation", None, False),
        ("city", "City", "string", "text", "companyinformation", None, False),
        ("state", "State/Region", "string", "text", "companyinformation", None, False),
        ("zip", "Postal Code", "string", "text", "companyinformation", None, False),
        ("country", "Country/Region", "string", "text", "companyinformation", None, False),
        ("numberofemployees", "Number of Employees", "number", "number", "companyinformation",
         None, False),
        ("annualrevenue", "Annual Revenue", "number", "number", "companyinformation", None,
         False),
        ("description", "Description", "string", "textarea", "companyinformation", None, False),
        ("linkedin_company_page", "LinkedIn Company Page", "string", "text",
         "companyinformation", None, False),
        ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "companyinformation",
         LIFECYCLE_STAGES, False),
        ("createdate", "Create Date", "datetime", "date", "companyinformation", None, False),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "companyinformation",
         None, True),
        ("hs_object_id", "Record ID", "number", "number", "companyinformation", None, True),
        ("hs_merged_object_ids", "Merged Company IDs", "enumeration", "checkbox",
         "companyinformation", None, True),
    ),
    "notes": (
        ("hs_timestamp", "Activity date", "datetime", "date", "engagement", None, False),
        ("hs_note_body", "Note body", "string", "html", "engagement", None, False),
        ("hs_attachment_ids", "Attachment IDs", "enumeration", "checkbox", "engagement", None,
         False),
        ("hs_createdate", "Created at", "datetime", "date", "engagement", None, True),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "engagement", None,
         True),
        ("hs_object_id", "Record ID", "number", "number", "engagement", None, True),
    ),
}  # fmt: skip

# The default group of each object type, also used for the owner property.
DEFAULT_GROUPS = {
    "deals": (("dealinformation", "Deal information"),),
    "contacts": (("contactinformation", "Contact information"),),
    "companies": (("companyinformation", "Company information"),),
    "notes": (("engagement", "Engagement"),),
}

# Enumerations whose options are free (attachment ids, merged ids): no check.
FREE_ENUMERATIONS = frozenset({"hs_attachment_ids", "hs_merged_object_ids"})


def default_properties(object_type: str) -> tuple[tuple, ...]:
    """The default property rows of a type, the owner property included."""
    group = DEFAULT_GROUPS[object_type][0][0]
    owner = (*_COMMON_OWNER[:4], group, *_COMMON_OWNER[5:])
    return (*DEFAULT_PROPERTIES[object_type], owner)
